// Keys of a review queue's record page (a file: the pages' Content-Security-Policy runs no
// inline code). A approves, R goes to the reason (Ctrl+Enter there returns the record), N skips.
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select");
  const reason = document.querySelector(".review-form textarea[name=comment]");
  if (typing) {
    if (typing === reason && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("return").click();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key.toLowerCase();
  if (key === "a" && document.getElementById("approve")) {
    event.preventDefault();
    document.getElementById("approve").click();
  } else if (key === "r" && reason) {
    event.preventDefault();
    reason.focus();
  } else if (key === "n" && document.getElementById("queue-skip")) {
    event.preventDefault();
    document.getElementById("queue-skip").click();
  }
});
