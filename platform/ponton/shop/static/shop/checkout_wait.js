// An online order whose card payment the bank accepted: wait for the gateway's confirmation
// (the webhook writes the order), then show the result.
(function () {
  "use strict";
  const root = document.getElementById("checkout-wait");
  if (!root) return;
  let tries = 0;
  async function poll() {
    tries += 1;
    try {
      const response = await fetch(root.dataset.statusUrl, { cache: "no-store" });
      const data = await response.json();
      if (data.state && data.state !== "active") {
        window.location.reload();
        return;
      }
    } catch (err) {
      // network hiccup: try again
    }
    if (tries < 120) setTimeout(poll, 1000);
  }
  poll();
})();
