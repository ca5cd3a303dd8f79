// Webmail list page (Features/Webmail/Index.cshtml): select-all, and new mail without reloading.
// The server watches the folder with IMAP IDLE and sends "changed" over Server-Sent Events; the list and
// the folder counts are then fetched again as HTML fragments and swapped in (the selection is kept).
(function () {
    var root = document.getElementById('webmail');
    if (!root) return;

    document.addEventListener('change', function (e) {
        if (e.target && e.target.id === 'select-all') {
            document.querySelectorAll('.message-check').forEach(function (box) { box.checked = e.target.checked; });
        }
    });

    function fetchFragment(url) {
        return fetch(url, { credentials: 'same-origin', headers: { 'X-Requested-With': 'fetch' } })
            .then(function (r) { return r.ok ? r.text() : null; });
    }

    function refresh() {
        var checked = Array.prototype.map.call(document.querySelectorAll('.message-check:checked'), function (b) { return b.value; });
        fetchFragment(root.getAttribute('data-list-url')).then(function (html) {
            if (html === null) return;
            var holder = document.createElement('div');
            holder.innerHTML = html;
            var fresh = holder.querySelector('#message-list');
            var list = document.getElementById('message-list');
            if (!fresh || !list) return;
            list.replaceWith(fresh);
            checked.forEach(function (uid) {
                var box = fresh.querySelector('.message-check[value="' + uid + '"]');
                if (box) box.checked = true;
            });
            root.setAttribute('data-refreshed', String(Number(root.getAttribute('data-refreshed') || '0') + 1));
        });
        fetchFragment(root.getAttribute('data-folders-url')).then(function (html) {
            var panel = document.getElementById('folder-panel');
            if (html === null || !panel) return;
            panel.innerHTML = html;
            // The quota bar's fill, as site.js sets it on page load.
            panel.querySelectorAll('.progress-bar[data-width]').forEach(function (bar) {
                bar.style.width = bar.getAttribute('data-width') + '%';
            });
        });
    }

    if (window.EventSource) {
        var events = new EventSource(root.getAttribute('data-events-url'));
        events.addEventListener('changed', refresh);
        events.addEventListener('open', function () { root.setAttribute('data-watching', 'true'); });
    } else {
        setInterval(refresh, 30000);
    }
})();
