// Portal-wide behaviour that the CSP (script-src 'self') keeps out of the views.
(function () {
    // Quota bars carry their fill as data-width (percent); setting it through the CSSOM is allowed by the CSP.
    document.querySelectorAll('.progress-bar[data-width]').forEach(function (bar) {
        bar.style.width = bar.getAttribute('data-width') + '%';
    });
})();
