// Copying and downloading text from a calculator's share bar.
//
// The share bar's message line reports every outcome, because a copy leaves no
// other visible trace. All text is set with textContent or value, never as HTML.

const COPY_KEYS = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘C" : "Ctrl+C";

export function showShareMessage(calculator, message, isError = false) {
  calculator.shareMessage.textContent = message;
  calculator.shareMessage.classList.toggle("rf-calculator__share-message--error", isError);
}

// Shows the text in the read-only copy field and selects it, for browsers without
// the Clipboard API (plain-http hosts other than localhost) or when it fails.
function showCopyField(calculator, text, reason) {
  calculator.copyBox.hidden = false;
  calculator.copyField.value = text;
  // One row per line or per 80 characters of a long link, between 2 and 10 rows.
  const rows = Math.max(text.split("\n").length, Math.ceil(text.length / 80), 2);
  calculator.copyField.rows = Math.min(rows, 10);
  calculator.copyField.focus();
  calculator.copyField.select();
  showShareMessage(calculator, `${reason} The text is selected in the field below: press ${COPY_KEYS} to copy it.`);
}

// Copies text to the clipboard and reports `copiedMessage`, or falls back to the copy field.
export async function copyText(calculator, text, copiedMessage) {
  if (!navigator.clipboard || typeof navigator.clipboard.writeText !== "function") {
    showCopyField(calculator, text, "This browser does not allow pages on this address to copy.");
    return;
  }
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {
    console.warn("rf-lab: copying to the clipboard failed:", error);
    showCopyField(calculator, text, "The browser blocked copying.");
    return;
  }
  calculator.copyBox.hidden = true;
  showShareMessage(calculator, copiedMessage);
}

// Saves text as a file through a temporary object URL and a link with `download`.
export function downloadText(calculator, text, filename, mediaType) {
  const url = URL.createObjectURL(new Blob([text], { type: `${mediaType};charset=utf-8` }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  showShareMessage(calculator, `Downloaded ${filename}.`);
}
