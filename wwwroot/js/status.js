// Keeps provisioning-status cells (Features/Shared/_ProvisioningStatus.cshtml) current without reloading:
// while any row on the page is pending, asks /provisioning/status every 2.5 s and updates badges in place.
(function () {
    var badgeClasses = { active: 'text-bg-success', failed: 'text-bg-danger', suspended: 'text-bg-warning', deleting: 'text-bg-secondary', pending: 'text-bg-info' };
    var allBadges = Object.keys(badgeClasses).map(function (k) { return badgeClasses[k]; });
    var intervalMs = 2500;

    function cells() { return Array.prototype.slice.call(document.querySelectorAll('.provisioning-status[data-status-key]')); }
    function waiting() { return cells().filter(function (c) { return c.getAttribute('data-status') === 'pending'; }); }

    function apply(cell, item) {
        cell.setAttribute('data-status', item.status);
        var badge = cell.querySelector('[data-role=badge]');
        allBadges.forEach(function (c) { badge.classList.remove(c); });
        badge.classList.add(badgeClasses[item.status] || 'text-bg-info');
        badge.textContent = item.status;
        var failed = item.status === 'failed';
        var detail = cell.querySelector('[data-role=detail]');
        detail.textContent = failed ? (item.statusDetail || '') : '';
        detail.classList.toggle('d-none', !failed || !item.statusDetail);
        cell.querySelector('[data-role=retry]').classList.toggle('d-none', !failed);
    }

    function poll() {
        var pending = waiting();
        if (pending.length === 0) return;
        var query = pending.map(function (c) { return 'key=' + encodeURIComponent(c.getAttribute('data-status-key')); }).join('&');
        fetch('/provisioning/status?' + query, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
            .then(function (r) { return r.ok ? r.json() : null; })
            .then(function (body) {
                if (!body) return; // a passing server error: try again at the next tick
                var byKey = {};
                body.items.forEach(function (item) { byKey[item.key] = item; });
                pending.forEach(function (cell) {
                    var item = byKey[cell.getAttribute('data-status-key')];
                    // Absent: deleted meanwhile (or out of scope); stop asking about it.
                    if (item) apply(cell, item); else cell.setAttribute('data-status', 'unknown');
                });
            })
            .catch(function () { /* try again at the next tick */ })
            .then(function () { if (waiting().length > 0) setTimeout(poll, intervalMs); });
    }

    if (waiting().length > 0) setTimeout(poll, intervalMs);
})();
