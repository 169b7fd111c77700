// Tell the server the viewer's time zone, so course times can also be shown
// in the viewer's own time. Read by lms.middleware.ViewerTimezoneMiddleware.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone || document.cookie.indexOf("koza_tz=" + encodeURIComponent(zone)) !== -1) {
    return;
  }
  document.cookie = "koza_tz=" + encodeURIComponent(zone) +
    "; path=/; max-age=31536000; samesite=lax";
})();
