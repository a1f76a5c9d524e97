// The report's "Print" button (a script file: the pages' Content-Security-Policy runs no inline code).
document.getElementById("print-report").addEventListener("click", () => window.print());
