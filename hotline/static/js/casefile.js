// The case file page: its Print button opens the browser's print dialog (the page is laid out for A4).
document.getElementById("print-file")?.addEventListener("click", () => window.print());
