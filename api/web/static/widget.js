/*! errdex widget: <script src="https://errdex.example/widget.js" defer></script>
 * renders the answer for every <div data-errdex-code="0x80070643" data-lang="ja">
 * in the page, inside a Shadow DOM so the portal's CSS and ours stay apart.
 * Article text is only ever set with textContent: nothing from the API is
 * parsed as HTML. window.errdexWidget.render() scans the page again. */
(function () {
  'use strict';

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  // The API lives where the script came from (path prefix included).
  var base = new URL('.', script ? script.src : location.href);
  var done = typeof WeakSet === 'function' ? new WeakSet() : null;

  var LABELS = {
    en: {
      causes: 'Likely causes', checks: '60-second checks', fix: '5-minute fix', detailed: 'Detailed steps',
      references: 'References', urgency: 'Urgency', critical: 'Critical', high: 'High', medium: 'Medium',
      low: 'Low', rollback: 'Rollback', warning: 'Warning', copy: 'Copy', copied: 'Copied',
      selected: 'Selected: press Ctrl+C', loading: 'Loading the answer…',
      failed: 'The answer could not be loaded.', none: 'No article covers this code yet.',
      full: 'Open the full answer', more: 'more answers'
    },
    ja: {
      causes: 'よくある原因', checks: '60秒で確認', fix: '5分で解決', detailed: '詳細手順',
      references: '参考', urgency: '緊急度', critical: '緊急', high: '高', medium: '中', low: '低',
      rollback: 'ロールバック', warning: '注意', copy: 'コピー', copied: 'コピーしました',
      selected: '選択しました（Ctrl+C でコピー）', loading: '回答を読み込んでいます…',
      failed: '回答を読み込めませんでした。', none: 'このコードを扱う記事はまだありません。',
      full: '詳しい回答を開く', more: '件の回答'
    }
  };

  var CSS = [
    ':host{all:initial;display:block}',
    '.errdex{box-sizing:border-box;max-width:48rem;padding:16px 20px;border:1px solid #d0d7de;border-radius:8px;',
    'background:#fff;color:#1b1f24;font:15px/1.55 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Yu Gothic UI",Meiryo,sans-serif}',
    '.errdex *{box-sizing:border-box}',
    'h2{font-size:1.15em;line-height:1.35;margin:0 0 6px}',
    'h3{font-size:1em;margin:14px 0 6px;border-bottom:1px solid #d0d7de;padding-bottom:2px}',
    'p{margin:6px 0}ol,ul{margin:4px 0;padding-left:1.4em}li{margin:4px 0}',
    'code{font-family:ui-monospace,SFMono-Regular,Consolas,monospace;font-size:.92em}',
    ':not(pre)>code{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:0 .25em}',
    '.badge{display:inline-block;border-radius:999px;padding:0 10px;font-size:.85em;font-weight:700;color:#fff;background:#57606a}',
    '.critical{background:#82071e}.high{background:#a40e26}.medium{background:#7d4e00}.low{background:#1a7f37}',
    '.cmd{position:relative;margin:6px 0 10px}',
    '.cmd .label{font-size:.85em;color:#57606a}',
    'pre{margin:2px 0 0;padding:10px 84px 10px 12px;background:#0d1117;color:#e6edf3;border-radius:6px;overflow-x:auto;white-space:pre}',
    '.rollback pre{border-left:6px solid #bc4c00}',
    '.rb{display:inline-block;border:1px solid #bc4c00;color:#bc4c00;background:#fff1e5;border-radius:4px;padding:0 6px;font-weight:700;margin-right:4px}',
    'button{position:absolute;right:8px;bottom:8px;font:inherit;font-size:.8em;padding:2px 10px;border-radius:4px;',
    'border:1px solid #8b949e;background:#21262d;color:#f0f6fc;cursor:pointer}',
    'button:focus-visible,a:focus-visible,summary:focus-visible{outline:3px solid #0550ae;outline-offset:2px}',
    '.warning{background:#fff8c5;border-left:6px solid #bf8700;border-radius:4px;padding:6px 10px;margin:6px 0}',
    'a{color:#0550ae}.muted{color:#57606a;font-size:.9em}summary{cursor:pointer;font-weight:600;margin-top:10px}'
  ].join('\n');
  var sheet = null;

  function labels(lang) {
    return LABELS[String(lang || '').toLowerCase().split('-')[0]] || LABELS.en;
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) {
      e.className = className;
    }
    if (text !== undefined && text !== null) {
      e.textContent = text;
    }
    return e;
  }

  // webLink is an <a> for http(s) URLs only; anything else stays text.
  function webLink(text, href) {
    var u;
    try {
      u = new URL(href, base);
    } catch (e) {
      return document.createTextNode(text);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      return document.createTextNode(text);
    }
    var a = el('a', null, text);
    a.href = u.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  // inline appends markdown text: `code`, **bold** and [links](https://…)
  // become elements, everything else text. Never HTML.
  var TOKEN = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  function inline(parent, text) {
    text = String(text || '');
    var last = 0;
    var m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      if (m.index > last) {
        parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      }
      if (m[1] !== undefined) {
        parent.appendChild(el('code', null, m[1]));
      } else if (m[2] !== undefined) {
        parent.appendChild(el('strong', null, m[2]));
      } else {
        parent.appendChild(webLink(m[3], m[4]));
      }
      last = TOKEN.lastIndex;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
    return parent;
  }

  function section(box, title) {
    box.appendChild(el('h3', null, title));
  }

  // warning shows a "⚠ Warning: ..." paragraph; the marker is in the text.
  function warning(parent, L, text) {
    var w = inline(el('p', 'warning'), text);
    w.setAttribute('role', 'note');
    w.setAttribute('aria-label', L.warning);
    parent.appendChild(w);
  }

  function command(parent, L, c) {
    var fig = el('div', 'cmd' + (c.rollback ? ' rollback' : ''));
    var label = el('div', 'label');
    if (c.rollback) {
      label.appendChild(el('span', 'rb', '↩ ' + L.rollback));
    }
    inline(label, c.label || '');
    if (c.shell) {
      label.appendChild(document.createTextNode(' (' + c.shell + ')'));
    }
    fig.appendChild(label);
    var pre = el('pre');
    pre.appendChild(el('code', null, String(c.code || '').replace(/\n+$/, '')));
    fig.appendChild(pre);
    var button = el('button', null, L.copy);
    button.type = 'button';
    button.setAttribute('aria-label', L.copy + (c.rollback ? ' (' + L.rollback + ')' : ''));
    button.addEventListener('click', function () {
      var say = function (msg) {
        button.textContent = msg;
        setTimeout(function () { button.textContent = L.copy; }, 2000);
      };
      var select = function () {
        var range = document.createRange();
        range.selectNodeContents(pre);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        say(L.selected);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(pre.textContent).then(function () { say(L.copied); }, select);
      } else {
        select();
      }
    });
    fig.appendChild(button);
    parent.appendChild(fig);
  }

  function steps(parent, L, list) {
    var ol = el('ol', 'steps');
    (list || []).forEach(function (s) {
      var li = el('li');
      if (s.text) {
        inline(li, s.text);
      }
      (s.commands || []).forEach(function (c) { command(li, L, c); });
      (s.warnings || []).forEach(function (w) { warning(li, L, w); });
      if (s.substeps && s.substeps.length) {
        steps(li, L, s.substeps);
      }
      ol.appendChild(li);
    });
    parent.appendChild(ol);
  }

  function fullLink(code, lang, L) {
    var u = new URL('errors/' + encodeURIComponent(code), base);
    if (lang) {
      u.searchParams.set('lang', lang);
    }
    var p = el('p', 'muted');
    p.appendChild(webLink(L.full + ' →', u.href));
    return p;
  }

  function draw(box, data, lang) {
    var a = data.articles && data.articles[0];
    var L = labels(a ? a.lang : lang);
    box.textContent = '';
    if (!a) {
      box.appendChild(el('p', null, L.none));
      box.appendChild(el('p', 'muted', data.code + (data.decoded && data.decoded.name ? ' ' + data.decoded.name : '')));
      box.appendChild(fullLink(data.code, lang, L));
      return;
    }
    box.lang = a.lang;
    box.appendChild(el('h2', null, a.title));
    var urgency = a.summary && a.summary.urgency && a.summary.urgency.level;
    if (urgency) {
      var badge = el('span', 'badge ' + urgency, L.urgency + ': ' + (L[urgency] || urgency));
      box.appendChild(el('p')).appendChild(badge);
    }
    if (a.summary && a.summary.condition && a.summary.condition.text) {
      box.appendChild(inline(el('p'), a.summary.condition.text));
    }
    if (a.causes && a.causes.length) {
      section(box, L.causes);
      var ol = el('ol', 'causes');
      a.causes.forEach(function (c) {
        var li = inline(el('li'), c.text);
        li.value = c.rank;
        ol.appendChild(li);
      });
      box.appendChild(ol);
    }
    if (a.checks && a.checks.length) {
      section(box, L.checks);
      steps(box, L, a.checks);
    }
    if (a.fix && a.fix.length) {
      section(box, L.fix);
      steps(box, L, a.fix);
    }
    if ((a.detailedSteps && a.detailedSteps.length) || (a.warnings && a.warnings.length)) {
      var details = el('details');
      details.appendChild(el('summary', null, L.detailed));
      steps(details, L, a.detailedSteps);
      (a.warnings || []).forEach(function (w) { warning(details, L, w); });
      box.appendChild(details);
    }
    if (a.references && a.references.length) {
      section(box, L.references);
      var ul = el('ul');
      a.references.forEach(function (r) {
        ul.appendChild(el('li')).appendChild(webLink(r.title || r.url, r.url));
      });
      box.appendChild(ul);
    }
    var foot = fullLink(data.code, lang, L);
    if (data.articles.length > 1) {
      foot.appendChild(document.createTextNode(' (+' + (data.articles.length - 1) + ' ' + L.more + ')'));
    }
    box.appendChild(foot);
  }

  function adopt(root) {
    try {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
      }
      root.adoptedStyleSheets = [sheet]; // not subject to the portal's style-src
    } catch (e) {
      root.appendChild(el('style', null, CSS));
    }
  }

  function render(host) {
    if (done) {
      if (done.has(host)) {
        return;
      }
      done.add(host);
    }
    var code = host.getAttribute('data-errdex-code');
    var lang = host.getAttribute('data-lang') || '';
    var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    root.textContent = '';
    adopt(root);
    var box = el('div', 'errdex');
    box.setAttribute('aria-live', 'polite');
    box.appendChild(el('p', 'muted', labels(lang).loading));
    root.appendChild(box);
    host.setAttribute('data-errdex-state', 'loading');
    var url = new URL('errors/' + encodeURIComponent(code || ''), base);
    if (lang) {
      url.searchParams.set('lang', lang);
    }
    fetch(url.href, { headers: { Accept: 'application/json' }, credentials: 'omit' })
      .then(function (res) {
        if (!res.ok) {
          throw new Error('errdex: ' + res.status);
        }
        return res.json();
      })
      .then(function (data) {
        draw(box, data, lang);
        host.setAttribute('data-errdex-state', data.articles && data.articles.length ? 'ready' : 'empty');
      })
      .catch(function () {
        box.textContent = '';
        box.appendChild(el('p', null, labels(lang).failed));
        host.setAttribute('data-errdex-state', 'error');
      });
  }

  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-errdex-code]'), render);
  }

  window.errdexWidget = { render: scan };
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', scan);
  } else {
    scan();
  }
})();
