// Click & Pay payment page (OR-9): Stripe.js Elements tokenises the card, our server confirms
// the PaymentIntent with it, 3-D Secure finishes here, then the page waits until the webhook
// has recorded the payment before saying "Paiement reçu, merci".
(function () {
  "use strict";
  const root = document.getElementById("cp-pay");
  if (!root || typeof window.Stripe !== "function") return;
  const form = document.getElementById("cp-form");
  const button = document.getElementById("cp-submit");
  const message = document.getElementById("cp-message");
  const stripe = window.Stripe(root.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");

  function say(text, isError) {
    message.textContent = text || "";
    message.className = isError ? "errorlist" : "muted";
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function waitForConfirmation() {
    say(root.dataset.msgWaiting, false);
    for (let i = 0; i < 90; i++) {
      try {
        const response = await fetch(root.dataset.statusUrl, { cache: "no-store" });
        const data = await response.json();
        if (data.state && data.state !== "active") {
          // Paid (or, for an online basket, refunded): the page that says so.
          if (root.dataset.doneUrl) window.location.assign(root.dataset.doneUrl);
          else window.location.reload();
          return;
        }
      } catch (err) {
        // network hiccup: try again
      }
      await sleep(1000);
    }
    say(root.dataset.msgSlow, true);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    say(root.dataset.msgProcessing, false);
    const tokenResult = await stripe.createToken(card);
    if (tokenResult.error) {
      say((tokenResult.error && tokenResult.error.message) || root.dataset.msgRefused, true);
      button.disabled = false;
      return;
    }
    const response = await fetch(root.dataset.cardUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ card_token: tokenResult.token.id }),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(data.error || root.dataset.msgRefused, true);
      button.disabled = false;
      return;
    }
    if (data.status === "requires_action") {
      const result = await stripe.confirmCardPayment(data.client_secret);
      if (result.error) {
        say((result.error && result.error.message) || root.dataset.msgRefused, true);
        button.disabled = false;
        return;
      }
    } else if (data.status !== "succeeded" && data.status !== "processing") {
      say(root.dataset.msgRefused, true);
      button.disabled = false;
      return;
    }
    await waitForConfirmation();
  });
})();
