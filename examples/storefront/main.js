// A storefront's waiting room on the browser SDK (`Fanfare`, publishable key): a guest session,
// a place in the line that updates while you wait, an email sign-in that keeps the place, and
// checkout through the merchant's server once it is your turn.
import { Fanfare, FanfareError, localStorageStorage } from "@fanfare/sdk";

const MERCHANT_URL = import.meta.env.VITE_MERCHANT_URL || "http://127.0.0.1:5050";
const POLL_MS = 1500;
const $ = (id) => document.getElementById(id);
const show = (id, visible = true) => {
  $(id).hidden = !visible;
};
const say = (text) => {
  $("message").textContent = text;
};

const config = await (await fetch(`${MERCHANT_URL}/config`)).json();
const fanfare = new Fanfare({
  publishableKey: config.publishableKey,
  baseUrl: config.consumerApiUrl,
  storage: localStorageStorage(`fanfare:${config.queueId}`),
});
$("drop-name").textContent = config.dropName;

let polling;
/** The latest admitted state: its admission token is what checkout presents. */
let latest;
async function join() {
  if (!fanfare.auth.getSession()) await fanfare.auth.guest();
  const state = await fanfare.queues.enter(config.queueId);
  render(state);
  polling ??= setInterval(poll, POLL_MS);
}

async function poll() {
  try {
    render(await fanfare.queues.status(config.queueId));
  } catch (err) {
    say(err instanceof FanfareError ? `Could not refresh your place (${err.code}); retrying…` : String(err));
  }
}

function render(state) {
  const session = fanfare.auth.getSession();
  $("who").textContent = session?.type === "guest" ? "You are a guest." : `Signed in as ${session?.email ?? "you"}.`;
  show("join", false);
  show("line", state.status === "QUEUED");
  show("sign-in", state.status === "QUEUED" && session?.type === "guest");
  show("turn", state.status === "ADMITTED");
  if (state.status === "QUEUED") {
    $("position").textContent = `#${state.position}`;
    say("You're in line. Keep this page open: your place updates by itself.");
  } else if (state.status === "ADMITTED") {
    $("expires").textContent = new Date(state.admissionExpiresAt).toLocaleTimeString();
    say("It's your turn!");
    latest = state;
  } else {
    clearInterval(polling);
    say(`Your place is ${state.status.toLowerCase()}.`);
  }
}

async function checkout() {
  const session = fanfare.auth.getSession();
  const response = await fetch(`${MERCHANT_URL}/checkout`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ consumerId: session.consumerId, admissionToken: latest.admissionToken }),
  });
  const answer = await response.json();
  clearInterval(polling);
  show("turn", false);
  say(response.ok ? `Order confirmed: ${answer.id}` : `Checkout refused: ${answer.error}`);
}

async function sendCode(event) {
  event.preventDefault();
  await fanfare.auth.requestOtp({ email: $("email").value });
  show("code-form");
  show("test-code", config.testMode);
  say("We sent you a code.");
}

async function signIn(event) {
  event.preventDefault();
  try {
    // Signing in from a guest session upgrades it: the place in line is kept.
    await fanfare.auth.verifyOtp({ email: $("email").value, code: $("code").value });
    show("sign-in", false);
    await poll();
  } catch (err) {
    say(err instanceof FanfareError && err.code === "otp_invalid" ? "That code is not right." : String(err));
  }
}

/** Test mode sends no email: the merchant's server reads the code from Fanfare's test outbox. */
async function fillTestCode() {
  const answer = await fetch(`${MERCHANT_URL}/test-code?email=${encodeURIComponent($("email").value)}`);
  if (answer.ok) $("code").value = (await answer.json()).code;
}

$("join-button").addEventListener("click", () => join().catch((err) => say(String(err))));
$("checkout").addEventListener("click", () => checkout().catch((err) => say(String(err))));
$("email-form").addEventListener("submit", (event) => sendCode(event).catch((err) => say(String(err))));
$("code-form").addEventListener("submit", signIn);
$("test-code").addEventListener("click", fillTestCode);

if (fanfare.auth.getSession()) {
  await join().catch(() => show("join"));
} else {
  show("join");
  say("The drop is live. Join the line to get your turn.");
}
