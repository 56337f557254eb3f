// Calculator state in the page URL, so that a link reproduces a calculation.
//
// The fragment contains one `rf<N>=<state>` entry per changed calculator, joined
// with "&", for example `#rf1=eyJzcGVjIjoi...&rf2=...`. N is the calculator's
// position on its page, from 1 (its data-rf-calculator attribute). <state> is the
// UTF-8 JSON object {"spec": str, "input_size": str, "unit": str} in base64url
// (RFC 4648, section 5) without padding. Browsers never send the fragment to the
// server, so specs stay out of server logs, and the fragment belongs to one page,
// so instant navigation to another page leaves it behind.

// Maximum length of one encoded state, about 11 000 ASCII characters of spec.
// Longer states are neither written nor read, which keeps links short enough to paste.
// NOTE: the limit is a judgement; no browser or server limit was measured for it.
export const MAX_STATE_CHARS = 16_000;

const URL_UPDATE_DELAY_MS = 500;
const STATE_FIELDS = ["spec", "input_size", "unit"];
const ENTRY_NAME = /^rf[0-9]{1,4}$/;

// An invalid state in the URL; the message completes "The link's calculator state is invalid: ".
export class StateError extends Error {}

const updateTimers = new Map(); // calculator number -> timer id

function encodeBase64Url(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeBase64Url(encoded) {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) {
    throw new StateError("it contains characters other than base64url (A-Z, a-z, 0-9, - and _).");
  }
  const padding = "=".repeat((4 - (encoded.length % 4)) % 4);
  let binary;
  try {
    binary = atob(encoded.replace(/-/g, "+").replace(/_/g, "/") + padding);
  } catch {
    throw new StateError("it is not valid base64url.");
  }
  const bytes = Uint8Array.from(binary, (character) => character.charCodeAt(0));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new StateError("it is not UTF-8 text.");
  }
}

function quoteShort(text) {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}

// Returns the encoded state, or null when it is longer than MAX_STATE_CHARS.
export function encodeState(state) {
  // Base64 makes text longer, so a spec over the limit needs no encoding to know.
  if (state.spec.length > MAX_STATE_CHARS) {
    return null;
  }
  const encoded = encodeBase64Url(JSON.stringify({ spec: state.spec, input_size: state.input_size, unit: state.unit }));
  return encoded.length > MAX_STATE_CHARS ? null : encoded;
}

// Returns {spec, input_size, unit} from an encoded state, or throws StateError.
export function decodeState(encoded) {
  if (encoded.length > MAX_STATE_CHARS) {
    throw new StateError(`it has ${encoded.length} characters, more than the maximum of ${MAX_STATE_CHARS}.`);
  }
  const text = decodeBase64Url(encoded);
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StateError(`it is not valid JSON (${error.message}).`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new StateError("it is not a JSON object.");
  }
  for (const key of Object.keys(value)) {
    if (!STATE_FIELDS.includes(key)) {
      throw new StateError(`it has the unknown field ${quoteShort(key)}; the fields are ${STATE_FIELDS.join(", ")}.`);
    }
  }
  for (const key of STATE_FIELDS) {
    if (Object.hasOwn(value, key) && typeof value[key] !== "string") {
      throw new StateError(`its field ${key} is not a string.`);
    }
  }
  if (!Object.hasOwn(value, "spec")) {
    throw new StateError("its field spec is missing.");
  }
  return { spec: value.spec, input_size: value.input_size ?? "", unit: value.unit ?? "" };
}

// Returns the fragment's calculator entries as a Map from "rf<N>" to encoded state.
function readEntries(hash) {
  const entries = new Map();
  for (const part of hash.replace(/^#/, "").split("&")) {
    const separator = part.indexOf("=");
    const name = part.slice(0, separator);
    if (separator > 0 && ENTRY_NAME.test(name)) {
      entries.set(name, part.slice(separator + 1));
    }
  }
  return entries;
}

// Returns the encoded state of calculator `number` in the page URL, or null.
export function stateInUrl(number) {
  return readEntries(location.hash).get(`rf${number}`) ?? null;
}

function addressWithEntries(entries) {
  const fragment = [...entries].map(([name, encoded]) => `${name}=${encoded}`).join("&");
  return location.pathname + location.search + (fragment ? `#${fragment}` : "");
}

// Returns an absolute link to this page that carries only this calculator's state,
// or null when the state is too long for a link.
export function linkToState(number, state) {
  const encoded = encodeState(state);
  if (encoded === null) {
    return null;
  }
  return location.origin + addressWithEntries(new Map([[`rf${number}`, encoded]]));
}

function writeState(number, encoded) {
  const entries = readEntries(location.hash);
  const name = `rf${number}`;
  if ((entries.get(name) ?? null) === encoded) {
    return;
  }
  if (encoded === null) {
    entries.delete(name);
  } else {
    entries.set(name, encoded);
  }
  // history.state belongs to mkdocs-material's instant navigation and is kept as is.
  history.replaceState(history.state, "", addressWithEntries(entries));
}

// Records a calculator's state in the page URL after a short delay, so that typing
// does not rewrite the URL on every result. A state equal to the calculator's
// built-in example, or too long for a link, is removed from the URL.
export function scheduleUrlUpdate(calculator, state) {
  const number = calculator.root.dataset.rfCalculator;
  clearTimeout(updateTimers.get(number));
  const isDefault = STATE_FIELDS.every((key) => state[key] === calculator.defaultState[key]);
  const encoded = isDefault ? null : encodeState(state);
  updateTimers.set(
    number,
    setTimeout(() => {
      updateTimers.delete(number);
      // After instant navigation the URL belongs to another page.
      if (calculator.root.isConnected) {
        writeState(number, encoded);
      }
    }, URL_UPDATE_DELAY_MS),
  );
}
