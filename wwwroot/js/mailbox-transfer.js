// The mailbox download and import card (Features/Transfer/_MailboxTransfer.cshtml).
// Download: the browser saves the streamed file itself; the page names the download with a random token and shows
// how far the server has sent it (/export-progress/{token}). Import: uploaded with XMLHttpRequest for its progress
// events; the server answers with the result alone. Without script both still work as plain links and forms.
(function () {
    'use strict';
    function token() {
        var bytes = new Uint8Array(16);
        crypto.getRandomValues(bytes);
        return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
    }
    function show(bar, outer, percent, text) {
        outer.classList.remove('d-none');
        outer.setAttribute('aria-valuenow', String(percent));
        bar.style.width = percent + '%';
        bar.textContent = text || (percent + ' %');
    }
    document.querySelectorAll('a[data-export]').forEach(function (link) {
        link.addEventListener('click', function () {
            var outer = document.getElementById('export-progress');
            var bar = document.getElementById('export-progress-bar');
            var t = token();
            link.href = link.href.replace(/&progress=[^&]*/, '') + '&progress=' + t;
            show(bar, outer, 0);
            var timer = setInterval(function () {
                fetch('/export-progress/' + t, { credentials: 'same-origin' }).then(function (r) {
                    if (!r.ok) return null;
                    return r.json();
                }).then(function (p) {
                    if (!p) return;
                    var percent = p.total > 0 ? Math.min(100, Math.floor(p.bytes * 100 / p.total)) : 100;
                    if (p.done) { show(bar, outer, 100, 'done'); bar.classList.add('bg-success'); clearInterval(timer); }
                    else show(bar, outer, percent);
                }).catch(function () { });
            }, 500);
        });
    });
    document.querySelectorAll('form[data-import]').forEach(function (form) {
        form.addEventListener('submit', function (e) {
            e.preventDefault();
            var outer = document.getElementById('import-progress');
            var bar = document.getElementById('import-progress-bar');
            var result = document.getElementById('import-result');
            var button = form.querySelector('button[type=submit]');
            button.disabled = true;
            bar.classList.remove('bg-success', 'bg-danger');
            show(bar, outer, 0);
            var xhr = new XMLHttpRequest();
            xhr.open('POST', form.action);
            xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
            xhr.upload.addEventListener('progress', function (p) {
                if (p.lengthComputable) show(bar, outer, Math.floor(p.loaded * 100 / p.total));
            });
            xhr.upload.addEventListener('load', function () { show(bar, outer, 100, 'uploaded, importing...'); });
            xhr.addEventListener('load', function () {
                button.disabled = false;
                show(bar, outer, 100, xhr.status === 200 ? 'done' : 'refused');
                bar.classList.add(xhr.status === 200 ? 'bg-success' : 'bg-danger');
                result.innerHTML = xhr.responseText;
            });
            xhr.addEventListener('error', function () {
                button.disabled = false;
                show(bar, outer, 100, 'failed');
                bar.classList.add('bg-danger');
            });
            xhr.send(new FormData(form));
        });
    });
})();
