// The basket's countdown (MP-1): the time left on the held seats, from the server's expiry
// time (so a reload shows the same), and a plain message when it is over.
(function () {
  "use strict";
  const timer = document.getElementById("basket-countdown");
  if (!timer) return;
  const expires = Date.parse(timer.dataset.expires);
  if (Number.isNaN(expires)) return;
  function pad(n) {
    return String(n).padStart(2, "0");
  }
  function tick() {
    const left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    if (left === 0) {
      timer.textContent = timer.dataset.msgExpired;
      timer.className = "badge red";
      clearInterval(handle);
      return;
    }
    timer.textContent =
      timer.dataset.msgLeft + " " + Math.floor(left / 60) + " min " + pad(left % 60) + " s";
  }
  const handle = setInterval(tick, 1000);
  tick();
})();
