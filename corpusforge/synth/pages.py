"""Render composed documents as realistic HTML pages with real boilerplate.

Navigation menus, breadcrumbs, sidebars, footers, cookie banners, share buttons, ads,
``<style>`` / ``<script>`` blocks (some with Japanese strings, some JSON-LD) surround the
main text, so extraction has something to remove. Templates: ``blog``, ``news``, ``wiki``,
``forum``, ``shop``, ``legacy`` (table layout of the Shift_JIS era), ``minimal``.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass
from functools import lru_cache

from corpusforge.synth import texts_ja_web as web
from corpusforge.synth import texts_other as oth
from corpusforge.synth.compose import ComposedDoc, expand

TEMPLATES: tuple[str, ...] = ("blog", "news", "wiki", "forum", "shop", "legacy", "minimal")

TEMPLATE_FOR_KIND: dict[str, tuple[str, ...]] = {
    "ja_encyclopedia": ("wiki", "wiki", "blog", "legacy"),
    "ja_education": ("blog", "wiki", "legacy"),
    "ja_news": ("news", "news", "blog"),
    "ja_blog": ("blog", "blog", "legacy"),
    "ja_qa_board": ("forum",),
    "ja_shop": ("shop",),
    "ja_spam": ("legacy", "minimal", "blog"),
    "ja_adult": ("legacy", "blog", "minimal"),
    "ja_short": ("minimal", "blog"),
}

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"  # CP932-only characters (NEC row 13): make CP932 bytes differ from Shift_JIS

_CSS = [
    "body{margin:0;font-family:sans-serif;line-height:1.7;color:#333}header,footer{background:#f4f4f4;padding:12px}"
    "nav ul{list-style:none;display:flex;gap:16px}.sidebar{width:280px;float:right}.content{max-width:760px}"
    ".cookie-banner{position:fixed;bottom:0;width:100%;background:#222;color:#fff;padding:10px}",
    "*{box-sizing:border-box}a{color:#06c;text-decoration:none}a:hover{text-decoration:underline}"
    ".breadcrumb li{display:inline}.breadcrumb li+li:before{content:'>';padding:0 6px}.ad{border:1px solid #ddd;"
    "padding:8px;margin:12px 0;font-size:12px}.share a{margin-right:8px}h1{font-size:1.6em}h2{border-left:4px solid #c33;padding-left:8px}",
    "table.layout{width:760px;margin:0 auto}td.menu{background:#eef;width:160px;vertical-align:top}"
    "font.small{font-size:10px}.counter{color:#999}",
]

_JS = [
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());"
    "gtag('config','G-%06d');",
    "(function(){var b=document.getElementById('cookie-accept');if(!b)return;b.addEventListener('click',function(){"
    "document.cookie='consent=1;max-age=31536000;path=/';document.querySelector('.cookie-banner').style.display='none';});})();",
    "document.addEventListener('DOMContentLoaded',function(){var m=document.querySelector('.menu-toggle');"
    "if(m){m.onclick=function(){document.body.classList.toggle('nav-open');};}});",
    "var ads=ads||[];ads.push({slot:'sidebar-%d',size:[300,250]});",
]
_JS_JA = [
    "var MSG_ADDED='カートに商品を追加しました';var MSG_ERROR='通信エラーが発生しました。時間をおいて再度お試しください。';",
    "function confirmLeave(){return confirm('入力内容が失われますが、よろしいですか？');}",
    "var labels={search:'サイト内検索',more:'もっと見る',close:'閉じる'};",
]


@dataclass
class Site:
    """A web site: host, display name and the language of its page furniture."""

    host: str
    name: str
    furniture: str  # "ja", "en", "zh", "ko"
    style: int


@dataclass
class RenderOptions:
    """Everything about a page that is not its main text."""

    template: str
    title: str
    lang_attr: str | None
    meta_charset: str | None
    meta_style: str = "charset"  # "charset" | "http-equiv"
    cp932_marks: bool = False
    doctype: str = "html5"


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _a(text: str) -> str:
    return html.escape(text, quote=True)


def _furniture(site: Site) -> dict:
    """A site's fixed furniture: the same nav, sidebar and footer on every page of it."""
    return _site_furniture(site.host, site.name, site.furniture)


@lru_cache(maxsize=4096)
def _site_furniture(host: str, name: str, furniture: str) -> dict:
    rng = random.Random(f"corpusforge-furniture:{host}:{name}")
    site = Site(host=host, name=name, furniture=furniture, style=0)
    if site.furniture == "ja":
        slots = {**web.SLOTS, "site": [site.name]}
        return {
            "nav": rng.sample(web.JA_NAV_ITEMS, rng.randint(5, 8)),
            "sidebar": [(h, [expand(x, rng, slots) for x in rng.sample(web.JA_SIDEBAR_ITEMS, rng.randint(3, 6))])
                        for h in rng.sample(web.JA_SIDEBAR_HEADINGS, rng.randint(2, 3))],
            "footer": [expand(x, rng, slots) for x in rng.sample(web.JA_FOOTER_LINES, rng.randint(2, 4))],
            "cookie": rng.choice(web.JA_COOKIE_BANNERS), "cookie_button": rng.choice(web.JA_COOKIE_BUTTONS),
            "share": rng.sample(web.JA_SHARE, 3), "extras": [expand(x, rng, slots) for x in rng.sample(web.JA_ARTICLE_EXTRAS, 3)],
            "home": "ホーム", "related": "関連記事", "ad": "広告", "search": "検索",
        }
    if site.furniture == "zh":
        return {
            "nav": list(oth.ZH_NAV), "sidebar": [("热门文章", [rng.choice(oth.ZH_TITLES) for _ in range(4)])],
            "footer": [expand(x, rng) for x in oth.ZH_FOOTER], "cookie": "本网站使用Cookie以改善您的浏览体验。",
            "cookie_button": "同意", "share": ["分享到微博", "分享到微信"], "extras": ["上一篇", "下一篇"],
            "home": "首页", "related": "相关文章", "ad": "广告", "search": "搜索",
        }
    if site.furniture == "ko":
        return {
            "nav": ["홈", "뉴스", "블로그", "고객센터", "로그인", "회원가입"], "sidebar": [("인기 글", [rng.choice(oth.KO_TITLES) for _ in range(4)])],
            "footer": [f"Copyright © {rng.randint(2015, 2024)} {site.name}. All rights reserved.", "개인정보처리방침 | 이용약관"],
            "cookie": "이 웹사이트는 쿠키를 사용합니다.", "cookie_button": "확인", "share": ["공유하기"], "extras": ["이전 글", "다음 글"],
            "home": "홈", "related": "관련 글", "ad": "광고", "search": "검색",
        }
    slots = {**oth.EN_SLOTS, "company": [site.name], "year": [str(rng.randint(2015, 2024))]}
    return {
        "nav": rng.sample(oth.EN_NAV, rng.randint(5, 8)),
        "sidebar": [(h, [expand(rng.choice(oth.EN_TITLES[t]), rng, oth.EN_SLOTS) for t in rng.sample(sorted(oth.EN_TITLES), 3)])
                    for h in rng.sample(oth.EN_SIDEBAR, 2)],
        "footer": [expand(x, rng, slots) for x in rng.sample(oth.EN_FOOTER, 3)],
        "cookie": rng.choice(oth.EN_COOKIE), "cookie_button": rng.choice(["Accept", "OK", "Got it"]),
        "share": ["Share on X", "Share on Facebook", "Email"], "extras": ["Previous post", "Next post", "Leave a comment"],
        "home": "Home", "related": "Related articles", "ad": "Advertisement", "search": "Search",
    }


def _head(doc: ComposedDoc, opts: RenderOptions, rng: random.Random, site: Site) -> list[str]:
    out: list[str] = []
    if opts.doctype == "html4":
        out.append('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">')
    else:
        out.append("<!DOCTYPE html>")
    out.append(f'<html lang="{_a(opts.lang_attr)}">' if opts.lang_attr else "<html>")
    out.append("<head>")
    if opts.meta_charset:
        if opts.meta_style == "http-equiv":
            out.append(f'<meta http-equiv="Content-Type" content="text/html; charset={_a(opts.meta_charset)}">')
        else:
            out.append(f'<meta charset="{_a(opts.meta_charset)}">')
    out.append('<meta name="viewport" content="width=device-width, initial-scale=1">')
    out.append(f"<title>{_e(opts.title)}</title>")
    if rng.random() < 0.5 and doc.blocks:
        first = next((t for r, t in doc.blocks if r == "p"), "")
        out.append(f'<meta name="description" content="{_a(first[:80])}">')
    out.append(f'<link rel="stylesheet" href="/assets/css/style.css?ver={rng.randint(1, 99)}">')
    out.append(f"<style>{_CSS[site.style % len(_CSS)]}</style>")
    js = _JS[rng.randrange(len(_JS))]
    out.append(f"<script>{js.replace('%06d', str(rng.randint(100000, 999999))).replace('%d', str(rng.randint(1, 9)))}</script>")
    if site.furniture == "ja" and rng.random() < 0.5:
        out.append(f"<script>{rng.choice(_JS_JA)}</script>")
    if rng.random() < 0.3:
        ld = {"@context": "https://schema.org", "@type": "Article", "headline": opts.title,
              "publisher": {"@type": "Organization", "name": site.name}}
        out.append(f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>')
    out.append("</head>")
    return out


def _blocks_html(doc: ComposedDoc, template: str) -> list[str]:
    out: list[str] = []
    if template == "forum":
        out.append('<dl class="thread">')
        for role, text in doc.blocks:
            if role == "meta":
                out.append(f'<dt class="post-header">{_e(text)}</dt>')
            elif role == "h":
                out.append(f"</dl><h3>{_e(text)}</h3><dl class=\"thread\">")
            else:
                out.append(f'<dd class="post-body">{_e(text)}</dd>')
        out.append("</dl>")
        return out
    for role, text in doc.blocks:
        if role == "h":
            if template == "wiki":
                out.append(f'<h2><span class="mw-headline">{_e(text)}</span><span class="edit">[編集]</span></h2>')
            else:
                out.append(f"<h2>{_e(text)}</h2>")
        elif role == "meta":
            out.append(f'<div class="meta">{_e(text)}</div>')
        else:
            out.append(f"<p>{_e(text)}</p>")
    return out


def _nav(f: dict) -> str:
    items = "".join(f'<li><a href="/{i}/">{_e(x)}</a></li>' for i, x in enumerate(f["nav"]))
    return f'<nav class="global-nav"><button class="menu-toggle">MENU</button><ul>{items}</ul></nav>'


def _sidebar(f: dict, marks: bool) -> str:
    parts = ['<aside class="sidebar">',
             f'<form class="search"><input type="text" name="s"><button>{_e(f["search"])}</button></form>']
    for heading, items in f["sidebar"]:
        lis = "".join(f'<li><a href="/archives/{k}">{(_CIRCLED[k % 10] if marks else "")}{_e(x)}</a></li>'
                      for k, x in enumerate(items))
        parts.append(f'<div class="widget"><h3 class="widget-title">{_e(heading)}</h3><ul>{lis}</ul></div>')
    parts.append(f'<div class="ad">{_e(f["ad"])}<a href="/ad/click"><img src="/ads/banner.png" alt=""></a></div>')
    parts.append("</aside>")
    return "".join(parts)


def _footer(f: dict) -> str:
    lines = "".join(f"<p>{_e(x)}</p>" for x in f["footer"])
    return f'<footer class="site-footer">{lines}</footer>'


def _cookie(f: dict) -> str:
    return (f'<div class="cookie-banner"><p>{_e(f["cookie"])}</p>'
            f'<button id="cookie-accept">{_e(f["cookie_button"])}</button></div>')


def render_html(doc: ComposedDoc, site: Site, opts: RenderOptions, rng: random.Random) -> str:
    """The whole HTML page of ``doc`` on ``site`` as a string (encode it afterwards)."""
    f = _furniture(site)
    head = _head(doc, opts, rng, site)
    main = _blocks_html(doc, opts.template)
    h1 = _e(doc.title)
    t = opts.template
    body: list[str] = ["<body>"]
    if t == "legacy":
        menu = "<br>".join(f'<a href="/{i}.html">{_e(x)}</a>' for i, x in enumerate(f["nav"]))
        text = "".join(m.replace("<p>", "").replace("</p>", "<br><br>") for m in main)
        marks = _CIRCLED[:3] if opts.cp932_marks else ""
        body.append(f'<table class="layout" border="0"><tr><td colspan="2"><font size="5"><b>{_e(site.name)}</b></font></td></tr>'
                    f'<tr><td class="menu">{marks}{menu}</td><td class="main"><font size="4"><b>{h1}</b></font><br><br>{text}'
                    f'</td></tr><tr><td colspan="2" align="center"><font class="small">{"　".join(_e(x) for x in f["footer"])}'
                    f'</font><br><span class="counter">{rng.randint(1000, 99999)}</span></td></tr></table>')
    elif t == "minimal":
        body.append(f"<h1>{h1}</h1>")
        body.extend(main)
        if rng.random() < 0.5:
            body.append(_footer(f))
    else:
        if rng.random() < 0.7:
            body.append(_cookie(f))
        body.append(f'<header class="site-header"><div class="logo"><a href="/">{_e(site.name)}</a></div>{_nav(f)}</header>')
        body.append('<div class="container"><main class="content">')
        if t in ("news", "shop", "wiki") or rng.random() < 0.5:
            crumbs = [f["home"], rng.choice(f["nav"]), doc.title[:20]]
            body.append('<ol class="breadcrumb">' + "".join(f"<li>{_e(c)}</li>" for c in crumbs) + "</ol>")
        if t == "wiki":
            heads = [x for r, x in doc.blocks if r == "h"]
            toc = "".join(f"<li>{k + 1} {_e(h)}</li>" for k, h in enumerate(heads))
            body.append(f'<div id="content"><h1 id="firstHeading">{h1}</h1><div id="bodyContent">')
            body.append(main[0] if main else "")
            if heads:
                body.append(f'<div id="toc" class="toc"><div class="toctitle">目次</div><ul>{toc}</ul></div>')
            body.extend(main[1:])
            body.append("</div></div>")
        elif t == "shop":
            body.append(f'<div class="product"><h1 class="product-name">{h1}</h1><div class="product-image"><img src="/img/p{rng.randint(1, 9999)}.jpg" alt=""></div>')
            body.append('<div class="product-detail">')
            body.extend(main)
            cart = "カートに入れる" if site.furniture == "ja" else "Add to cart"
            body.append(f'<form class="cart"><select name="qty"><option>1</option><option>2</option></select><button class="add-to-cart">{_e(cart)}</button></form></div></div>')
            body.append(f'<section class="recommend"><h2>{_e(f["related"])}</h2><ul>'
                        + "".join(f'<li><a href="/item/{rng.randint(1, 99999)}">{_e(rng.choice(web.SLOTS["item"]) if site.furniture == "ja" else rng.choice(oth.EN_SLOTS["product"]))}</a></li>' for _ in range(4))
                        + "</ul></section>")
        else:
            stamp = f"{rng.randint(2012, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            body.append(f'<article class="post"><h1 class="entry-title">{h1}</h1><time datetime="{stamp}">{stamp}</time>')
            body.append('<div class="entry-content">')
            body.extend(main)
            body.append("</div>")
            body.append('<div class="share">' + "".join(f'<a href="#">{_e(s)}</a>' for s in f["share"]) + "</div>")
            body.append('<div class="post-extras">' + "".join(f"<p>{_e(x)}</p>" for x in f["extras"]) + "</div>")
            body.append("</article>")
            body.append(f'<section class="related"><h2>{_e(f["related"])}</h2><ul>'
                        + "".join(f'<li><a href="/archives/{rng.randint(1, 9999)}">{_e(x)}</a></li>' for _, items in f["sidebar"][:1] for x in items)
                        + "</ul></section>")
        body.append("</main>")
        body.append(_sidebar(f, opts.cp932_marks))
        body.append("</div>")
        body.append(_footer(f))
    body.append("</body></html>")
    return "\n".join(head + body)


def encode_html(page: str, codec: str) -> bytes:
    """Encode a page; characters the charset lacks become numeric character references."""
    return page.encode(codec, errors="xmlcharrefreplace")
