// Compose page (Features/Webmail/Compose.cshtml): completion for To, Cc and Bcc that completes the
// address being typed after the last comma and keeps the addresses before it. The candidates are the
// page's <datalist id="recent-addresses">; the browser's own datalist popup matches the whole field
// (useless once one address is in it), so the fields are unhooked from it and a small listbox is
// shown instead. Candidates come from mail headers: they are only ever set as text, never as markup.
(function () {
    var source = document.getElementById('recent-addresses');
    if (!source) return;
    var candidates = Array.prototype.map.call(source.options, function (o) { return o.value; });
    var maxShown = 8;

    // Where the address being typed starts: after the last comma that is not inside a quoted
    // display name ("Doe, Jane" <jane@example.org> is one address).
    function lastSeparator(value) {
        var quoted = false, at = -1;
        for (var i = 0; i < value.length; i++) {
            var c = value.charAt(i);
            if (c === '\\' && quoted) { i++; continue; }
            if (c === '"') quoted = !quoted;
            else if (c === ',' && !quoted) at = i;
        }
        return at;
    }

    function attach(input) {
        input.removeAttribute('list');
        var list = document.createElement('ul');
        list.id = input.id + '-suggestions';
        list.className = 'list-group webmail-suggestions';
        list.setAttribute('role', 'listbox');
        list.hidden = true;
        input.setAttribute('role', 'combobox');
        input.setAttribute('aria-autocomplete', 'list');
        input.setAttribute('aria-controls', list.id);
        input.setAttribute('aria-expanded', 'false');
        input.insertAdjacentElement('afterend', list);
        var shown = [], active = -1;

        function split() {
            var at = lastSeparator(input.value);
            return { before: input.value.slice(0, at + 1), typed: input.value.slice(at + 1).trim() };
        }

        function close() {
            list.hidden = true;
            input.setAttribute('aria-expanded', 'false');
            input.removeAttribute('aria-activedescendant');
            shown = []; active = -1;
        }

        function highlight(index) {
            active = index;
            Array.prototype.forEach.call(list.children, function (item, i) {
                item.classList.toggle('active', i === active);
                item.setAttribute('aria-selected', i === active ? 'true' : 'false');
            });
            if (active >= 0) input.setAttribute('aria-activedescendant', list.children[active].id);
            else input.removeAttribute('aria-activedescendant');
        }

        function choose(candidate) {
            var before = split().before;
            input.value = (before ? before + ' ' : '') + candidate + ', ';
            close();
            input.focus();
            input.setSelectionRange(input.value.length, input.value.length);
        }

        function render() {
            var parts = split(), typed = parts.typed.toLowerCase(), already = parts.before.toLowerCase();
            if (!typed) { close(); return; }
            shown = candidates.filter(function (c) {
                var lower = c.toLowerCase();
                return lower.indexOf(typed) >= 0 && already.indexOf(lower) < 0;
            }).slice(0, maxShown);
            if (shown.length === 0) { close(); return; }
            list.replaceChildren.apply(list, shown.map(function (candidate, i) {
                var item = document.createElement('li');
                item.id = list.id + '-' + i;
                item.className = 'list-group-item list-group-item-action';
                item.setAttribute('role', 'option');
                item.textContent = candidate;
                // mousedown, not click: the field keeps its focus, so nothing closes the list first.
                item.addEventListener('mousedown', function (e) { e.preventDefault(); choose(candidate); });
                return item;
            }));
            list.hidden = false;
            input.setAttribute('aria-expanded', 'true');
            highlight(-1);
        }

        input.addEventListener('input', render);
        input.addEventListener('blur', close);
        input.addEventListener('keydown', function (e) {
            if (list.hidden) return;
            if (e.key === 'ArrowDown') { e.preventDefault(); highlight((active + 1) % shown.length); }
            else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(active <= 0 ? shown.length - 1 : active - 1); }
            else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); choose(shown[active]); }
            else if (e.key === 'Escape') { e.preventDefault(); close(); }
        });
    }

    document.querySelectorAll('input[data-address-field]').forEach(attach);
})();
