// Portal-wide behaviour that the CSP (script-src 'self') keeps out of the views.
(function () {
    // Quota bars carry their fill as data-width (percent); setting it through the CSSOM is allowed by the CSP.
    document.querySelectorAll('.progress-bar[data-width]').forEach(function (bar) {
        bar.style.width = bar.getAttribute('data-width') + '%';
    });
})();

// A button with data-confirm asks first (suspend, reset, Empty Trash, delete for good); its text names what happens.
(function () {
    document.addEventListener('submit', function (event) {
        var button = event.submitter;
        var question = button && button.getAttribute('data-confirm');
        if (question && !window.confirm(question)) event.preventDefault();
    });
})();
