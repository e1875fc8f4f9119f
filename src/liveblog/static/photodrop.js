/* Photos in the post form by drag and drop, or by pasting one: the photo lands in a
   photo block's own file field, and is sent with the form as if chosen with the button.
   Without this script the file field does the same work. */
(function () {
  "use strict";

  var TYPES = /^image\/(jpeg|png|webp)$/;

  function images(list) {
    return [].filter.call(list || [], function (f) { return TYPES.test(f.type); });
  }
  function fileInput(fieldset) {
    return fieldset && fieldset.querySelector("input[type=file][name$='-upload']");
  }
  // The photo blocks a dropped photo may go to: the one it was dropped on, else each
  // block that has no photo yet, in order.
  function targets(form, at) {
    var own = at && at.closest && at.closest("fieldset.element-image");
    if (own) return [own];
    return [].filter.call(form.querySelectorAll("fieldset.element-image"), function (f) {
      var kept = f.querySelector("input[type=hidden][name$='-file']");
      var input = fileInput(f);
      return input && !(input.files && input.files.length) && !(kept && kept.value);
    });
  }
  function say(form, text) {
    var note = form.querySelector(".photo-drop-note");
    if (!note) {
      note = document.createElement("p");
      note.className = "photo-drop-note hint";
      note.setAttribute("role", "status");
      form.insertBefore(note, form.querySelector(".add-elements"));
    }
    note.textContent = text;
  }
  function show(fieldset, file) {
    var old = fieldset.querySelector("img.photo-drop-preview");
    var img = old || document.createElement("img");
    img.className = "element-thumb photo-drop-preview";
    img.alt = "The photo chosen for this block";
    var reader = new FileReader();
    reader.onload = function () { img.src = reader.result; };  // data: is what the desk allows
    reader.readAsDataURL(file);
    if (!old) fieldset.insertBefore(img, fieldset.querySelector("p"));
  }
  function place(form, files, at) {
    var photos = images(files);
    if (!photos.length) return false;
    var blocks = targets(form, at);
    var placed = [];
    photos.slice(0, blocks.length).forEach(function (file, i) {
      var input = fileInput(blocks[i]);
      var chosen = new DataTransfer();
      chosen.items.add(file);
      input.files = chosen.files;
      show(blocks[i], file);
      placed.push(file.name || "pasted photo");
    });
    if (placed.length) {
      say(form, "Photo ready: " + placed.join(", ") + ". It is sent with the post; add a caption and alt text.");
    }
    if (photos.length > placed.length) {
      say(form, (placed.length ? "Placed " + placed.length + " photo(s). " : "") +
        "Add a Photo block for each further photo, then drop or paste it there.");
    }
    return true;
  }

  [].forEach.call(document.querySelectorAll("form.post-form"), function (form) {
    form.addEventListener("dragover", function (e) {
      if (e.dataTransfer && [].indexOf.call(e.dataTransfer.types || [], "Files") >= 0) {
        e.preventDefault();
        form.classList.add("photo-dropping");
      }
    });
    form.addEventListener("dragleave", function (e) {
      if (e.target === form) form.classList.remove("photo-dropping");
    });
    form.addEventListener("drop", function (e) {
      form.classList.remove("photo-dropping");
      if (!e.dataTransfer || !images(e.dataTransfer.files).length) return;
      e.preventDefault();
      place(form, e.dataTransfer.files, e.target);
    });
    form.addEventListener("paste", function (e) {
      var files = e.clipboardData && e.clipboardData.files;
      if (files && images(files).length && place(form, files, e.target)) e.preventDefault();
    });
  });
})();
