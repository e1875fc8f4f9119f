// The service worker of liveblog's reader pages: it shows the notifications the server
// sends through the browser's push service (key events, the end of a blog) while no page
// is open, and a click on one opens the post it is about. See docs/notifications.md.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  const title = message.title || "Live blog";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || "",
      icon: message.icon,
      tag: message.tag,
      data: { url: message.url || "/" },
    }),
  );
});

function openable(url) {
  try {
    const parsed = new URL(url, self.location.origin);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch (error) {
    return null;
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = openable((event.notification.data || {}).url || "/");
  if (!url) return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (client.url === url && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(url);
    })(),
  );
});
