"""Render composed documents as realistic HTML pages with real boilerplate.

Navigation menus, breadcrumbs, sidebars, footers, cookie banners, share buttons, ads,
``<style>`` / ``<script>`` blocks (some with Japanese strings, some JSON-LD) surround the
main text, so extraction has something to remove. Templates: ``blog``, ``news``, ``wiki``,
``forum``, ``shop``, ``legacy`` (table layout of the Shift_JIS era), ``minimal``.

Two page weights: ``light`` (the compact pages above, ~3 KB) and ``cc`` (the same page, same
main text, inside the markup weight of real CommonCrawl HTML: inline CSS and minified JS,
JSON-LD, SVG sprites, mega menus, sidebars, story cards, comment threads, footer link farms;
sizes drawn from a model of CommonCrawl's published statistics, see ``cc_parts``).
"""

from __future__ import annotations

import bisect
import html
import json
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from corpusforge.synth.texts import JA_WEB as web
from corpusforge.synth.texts import OTHER as oth
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


def render_html(doc: ComposedDoc, site: Site, opts: RenderOptions, rng: random.Random,
                weight_rng: random.Random | None = None) -> str:
    """The whole HTML page of ``doc`` on ``site`` as a string (encode it afterwards).

    With ``weight_rng`` the page gets CommonCrawl page weight (``cc_parts``) drawn from that
    stream only; ``rng`` is used exactly as for the light page, so both share main text.
    """
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
    if weight_rng is None:
        return "\n".join(head + body)
    parts = cc_parts(site, opts, _size("\n".join(head + body)), weight_rng)
    return "\n".join(_insert_cc(head, body, parts))


def encode_html(page: str, codec: str) -> bytes:
    """Encode a page; characters the charset lacks become numeric character references."""
    return page.encode(codec, errors="xmlcharrefreplace")


# =============================================================================================
# CommonCrawl page weight ("cc"): the same page inside the markup real crawled pages carry.
#
# Size model, per HTML page: body bytes ~ log-normal(median CC_MEDIAN_BODY_BYTES, sigma
# CC_SIGMA), capped at CC_MAX_BODY_BYTES (model mean ~165 KB, median 85 KB, p95 ~610 KB).
# What is known of CommonCrawl:
# * Common Crawl's statistics of CC-MAIN-2025-05 by detected MIME type (URL index, published
#   in github.com/sebastian-nagel/cc-notebooks-var, warc-truncation/data/
#   warc-record-size-truncation-by-mime-type-CC-MAIN-2025-05.csv): text/html is 2.73 billion
#   captures (90.1%); its gzip-compressed response records average 31,248 bytes, 95th
#   percentile 99,651 bytes; 2.4% of the payloads are truncated at the 1 MiB limit.
# * Uncompressed: the December 2024 crawl holds 2.64 billion pages "or 394 TiB of uncompressed
#   content" (CC's release note) = 164 KB per capture, all MIME types, request and metadata
#   records included; CC-MAIN-2025-05 holds 99.8 TB of compressed response records for 3.03
#   billion captures (same CSV, all types) = 32.9 KB per capture, a ratio of ~5.0. So an HTML
#   response averages ~155-165 KB uncompressed (PDFs, 0.7% of captures at ~450 KB, take ~3 KB
#   of the 164).
# * "~1 GB WARC files with ~40k records" means ~25-33 KB per capture *compressed*, not tens of
#   KB of HTML.
# Fit: the two parameters were chosen so that this generator's own WARC records match those
# figures together (generate_warc, 2,172 HTML pages, seeds 5-6): HTML mean 157 KB / median
# 89 KB uncompressed; compressed response records mean 28.1 KB (CC 31.2), p95 84 KB (CC 99.7);
# 1.7% of pages at the 1 MiB cap (CC 2.4% truncated); compression ratio 5.6 (CC ~5.0). Our
# tail is a little lighter than CommonCrawl's. Assumed, not measured: the log-normal shape.
# The 20,000-response benchmark set (bench/warcset.py, --page-weight cc) has 18,100 HTML pages
# of mean 172 KB, median 97 KB (every part's last piece overshoots its share a little), 1.6%
# at the cap.
# Where the bytes go (_CC_SHARES): about a fifth of the characters in inline <style> / <script> /
# JSON (cheap for trafilatura: one text node each, ~0.01 ms per KB) and the rest in element-heavy
# furniture (mega menus, sidebars, story cards, comment threads, footer link farms, SVG; 0.2-0.9
# ms per KB). The split is calibrated so that trafilatura's mean CPU time per page comes near the
# ~45 ms the team measured on real CommonCrawl pages (shared/ANCHORS.md). On that set datatrove
# reports 43.5 ms/page for trafilatura with its defaults over all 17,687 pages it reads (46.4 ms
# with extract.yaml's settings); `bench/bench_extract.py --page-weight cc --trafilatura-cost`
# measures it on a 400-page sample.
# =============================================================================================

PAGE_WEIGHTS: tuple[str, ...] = ("light", "cc")
CC_MEDIAN_BODY_BYTES = 85_000
CC_SIGMA = 1.2
CC_MAX_BODY_BYTES = 1 << 20  # Common Crawl truncates payloads at 1 MiB

# Mean share of the added bytes per part; drawn per page around these (gamma, shape 4).
# The JSON state script takes whatever is left so that the page lands on its drawn size.
_CC_SHARES: dict[str, float] = {"css": 0.06, "head_js": 0.06, "svg": 0.04, "menu": 0.11, "sidebar": 0.16,
                                "footer": 0.10, "in_article": 0.20, "grid": 0.13, "tail_js": 0.05}


@dataclass(frozen=True)
class _Vocab:
    """Boilerplate words of one furniture language (all written for this generator)."""

    categories: tuple[tuple[str, tuple[str, ...]], ...]
    regions: tuple[str, ...]
    footer: tuple[str, ...]
    widgets: tuple[str, ...]
    tags: tuple[str, ...]
    titles: tuple[str, ...]
    ui: dict[str, str]
    comments: tuple[str, ...]
    date: str            # strftime-free pattern with {y} {m} {d}
    month: str           # archive label with {y} {m}
    copyright: str       # with {year} {name}


_JA_UI = {"skip": "本文へ移動", "read_more": "続きを読む", "more": "もっと見る", "close": "閉じる", "search": "サイト内検索", "login": "ログイン",
          "register": "会員登録", "menu": "メニュー", "to_top": "ページの先頭へ", "prev": "前へ", "next": "次へ",
          "daily": "日間", "weekly": "週間", "monthly": "月間", "count": "件", "email": "メールアドレス",
          "password": "パスワード", "remember": "ログイン状態を保持する", "forgot": "パスワードをお忘れの方",
          "subscribe": "登録する", "cookie_settings": "Cookieの設定", "necessary": "必須", "analytics": "アクセス解析",
          "ads": "広告配信", "save": "設定を保存", "follow": "フォローする", "region": "地域のニュース",
          "sitemap": "サイトマップ", "partners": "関連サイト", "pr": "PR", "loading": "読み込み中です",
          "error": "通信エラーが発生しました。時間をおいてお試しください。", "copied": "リンクをコピーしました",
          "no_result": "該当する記事が見つかりませんでした", "newsletter": "最新記事をメールでお届けします",
          "comments": "コメント", "author": "執筆者", "pickup": "ピックアップ"}
_EN_UI = {"skip": "Skip to content", "read_more": "Read more", "more": "See more", "close": "Close",
          "search": "Search this site", "login": "Log in",
          "register": "Create account", "menu": "Menu", "to_top": "Back to top", "prev": "Previous", "next": "Next",
          "daily": "Today", "weekly": "This week", "monthly": "This month", "count": "posts", "email": "Email address",
          "password": "Password", "remember": "Keep me signed in", "forgot": "Forgot your password?",
          "subscribe": "Subscribe", "cookie_settings": "Cookie settings", "necessary": "Strictly necessary",
          "analytics": "Analytics", "ads": "Advertising", "save": "Save preferences", "follow": "Follow us",
          "region": "Local news", "sitemap": "Sitemap", "partners": "Our network", "pr": "Sponsored",
          "loading": "Loading", "error": "Something went wrong. Please try again later.", "copied": "Link copied",
          "no_result": "No articles matched your search", "newsletter": "Get the latest stories in your inbox",
          "comments": "Comments", "author": "Written by", "pickup": "Featured"}
_ZH_UI = {"skip": "跳到正文", "read_more": "阅读全文", "more": "更多", "close": "关闭", "search": "站内搜索", "login": "登录", "register": "注册",
          "menu": "菜单", "to_top": "返回顶部", "prev": "上一页", "next": "下一页", "daily": "日榜", "weekly": "周榜",
          "monthly": "月榜", "count": "篇", "email": "电子邮箱", "password": "密码", "remember": "记住我",
          "forgot": "忘记密码", "subscribe": "订阅", "cookie_settings": "Cookie设置", "necessary": "必要",
          "analytics": "统计分析", "ads": "广告", "save": "保存设置", "follow": "关注我们", "region": "地方新闻",
          "sitemap": "网站地图", "partners": "合作网站", "pr": "推广", "loading": "加载中",
          "error": "网络错误，请稍后再试。", "copied": "链接已复制", "no_result": "没有找到相关文章",
          "newsletter": "订阅每日新闻摘要", "comments": "评论", "author": "作者", "pickup": "编辑推荐"}
_KO_UI = {"skip": "본문 바로가기", "read_more": "더 읽기", "more": "더보기", "close": "닫기", "search": "사이트 검색", "login": "로그인",
          "register": "회원가입", "menu": "메뉴", "to_top": "맨 위로", "prev": "이전", "next": "다음", "daily": "일간",
          "weekly": "주간", "monthly": "월간", "count": "건", "email": "이메일", "password": "비밀번호",
          "remember": "로그인 상태 유지", "forgot": "비밀번호 찾기", "subscribe": "구독하기", "cookie_settings": "쿠키 설정",
          "necessary": "필수", "analytics": "분석", "ads": "광고", "save": "설정 저장", "follow": "팔로우",
          "region": "지역 뉴스", "sitemap": "사이트맵", "partners": "관련 사이트", "pr": "광고", "loading": "불러오는 중",
          "error": "네트워크 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.", "copied": "링크가 복사되었습니다",
          "no_result": "검색 결과가 없습니다", "newsletter": "최신 기사를 메일로 받아보세요", "comments": "댓글",
          "author": "글쓴이", "pickup": "추천"}

_VOCAB: dict[str, _Vocab] = {
    "ja": _Vocab(
        categories=(
            ("ニュース", ("国内", "国際", "政治", "経済", "社会", "地域", "科学", "天気", "災害情報", "速報")),
            ("ビジネス", ("企業", "市況", "働き方", "起業", "マーケティング", "人事・採用", "決算", "不動産", "金融", "中小企業")),
            ("テクノロジー", ("スマートフォン", "パソコン", "ガジェット", "人工知能", "セキュリティ", "ゲーム", "家電", "アプリ",
                          "通信", "宇宙")),
            ("暮らし", ("住まい", "家事", "節約", "子育て", "介護", "防災", "ペット", "掃除・収納", "冠婚葬祭", "各種手続き")),
            ("健康", ("病気・症状", "食事と栄養", "運動", "睡眠", "心の健康", "医療", "美容", "ダイエット", "薬の知識", "健康診断")),
            ("グルメ", ("レシピ", "和食", "洋食", "中華", "スイーツ", "パン", "お酒", "ランチ", "居酒屋", "お取り寄せ")),
            ("旅行", ("国内旅行", "海外旅行", "温泉", "ホテル・旅館", "観光地", "絶景", "鉄道の旅", "ドライブ", "キャンプ", "体験ツアー")),
            ("エンタメ", ("映画", "音楽", "ドラマ", "アニメ", "漫画", "芸能", "舞台", "本", "ライブ", "動画配信")),
            ("スポーツ", ("野球", "サッカー", "テニス", "ゴルフ", "バスケットボール", "陸上", "水泳", "相撲", "ラグビー", "格闘技")),
            ("学び", ("受験", "小学生", "中学生", "高校生", "大学", "英語学習", "資格", "習い事", "教材", "留学")),
            ("ファッション", ("メンズ", "レディース", "キッズ", "靴", "バッグ", "アクセサリー", "時計", "コーディネート", "セール情報",
                          "新作")),
            ("クルマ", ("新車", "中古車", "試乗レポート", "カー用品", "メンテナンス", "バイク", "電気自動車", "交通安全", "運転免許",
                      "モータースポーツ")),
        ),
        regions=tuple(web.SLOTS["pref"]),
        footer=("会社概要", "運営会社", "採用情報", "広告掲載について", "お問い合わせ", "利用規約", "個人情報保護方針",
                "プライバシーポリシー", "外部送信ポリシー", "Cookieの利用について", "サイトマップ", "よくある質問", "ヘルプ",
                "特定商取引法に基づく表記", "著作権について", "リンクについて", "推奨環境", "RSS一覧", "公式アカウント一覧", "編集方針",
                "お知らせ一覧", "メールマガジン", "アプリのダウンロード", "記事の訂正について", "アクセシビリティ方針"),
        widgets=("アクセスランキング", "注目のキーワード", "新着記事", "編集部のおすすめ", "人気のタグ", "月別アーカイブ",
                 "カテゴリー一覧", "最近のコメント", "公式SNS", "メールマガジン登録"),
        tags=tuple(web.SLOTS["hobby"] + web.SLOTS["food"] + web.SLOTS["place"] + web.SLOTS["item"][:10]),
        titles=("[pref]の[place]で[festival]、週末は多くの人でにぎわう", "[hobby]をはじめて半年、続けるコツを聞いた",
                "[company]が新しいサービスを発表、来春から提供へ", "[food]をもっとおいしく作る三つのポイント",
                "[city]の商店街に新しい店が開店", "[team]、接戦を制して三連勝", "[season]に読みたい[book]を編集部が選びました",
                "[pet]と暮らす人に聞いた、部屋づくりの工夫", "失敗しない[item]の選び方", "[pref]の小さな町で続く[festival]の歴史",
                "[surname]さんに聞く、[hobby]の楽しみ方", "[season]の[place]めぐり、日帰りで行ける五か所",
                "[company]の新工場が稼働、地元の雇用にも期待", "知っておきたい[item]のお手入れ方法", "[city]で[festival]の準備が進む"),
        comments=("とても参考になりました。", "私も同じことを考えていました。", "続きを楽しみにしています。", "写真がきれいですね。",
                  "去年行きましたが、また行きたくなりました。", "わかりやすい説明をありがとうございます。", "うちの近所でも同じでした。",
                  "この話、家族にも教えてあげます。", "もう少し詳しく知りたいです。", "いつも読んでいます。応援しています。"),
        ui=_JA_UI, date="{y}年{m}月{d}日", month="{y}年{m}月", copyright="Copyright &copy; {year} {name} All Rights Reserved."),
    "en": _Vocab(
        categories=(
            ("News", ("World", "U.S.", "Politics", "Business", "Economy", "Local", "Weather", "Science", "Climate", "Obituaries")),
            ("Business", ("Markets", "Companies", "Personal Finance", "Real Estate", "Careers", "Small Business", "Earnings",
                          "Startups", "Energy", "Retail")),
            ("Tech", ("Gadgets", "Software", "AI", "Security", "Gaming", "Apps", "Reviews", "Telecom", "Space", "How-To")),
            ("Life", ("Home", "Parenting", "Pets", "Relationships", "Wellness", "Style", "Beauty", "Garden", "DIY", "Holidays")),
            ("Health", ("Conditions", "Nutrition", "Fitness", "Sleep", "Mental Health", "Medicine", "Healthy Aging",
                        "Children's Health", "Vaccines", "Research")),
            ("Food", ("Recipes", "Restaurants", "Baking", "Drinks", "Quick Dinners", "Vegetarian", "Grilling", "Desserts",
                      "Meal Prep", "Wine")),
            ("Travel", ("Destinations", "Hotels", "Flights", "Road Trips", "National Parks", "Cruises", "Travel Tips",
                        "City Guides", "Beaches", "Camping")),
            ("Entertainment", ("Movies", "TV", "Music", "Books", "Celebrities", "Streaming", "Theater", "Video Games",
                               "Podcasts", "Awards")),
            ("Sports", ("Football", "Basketball", "Baseball", "Soccer", "Tennis", "Golf", "Hockey", "Running", "Cycling",
                        "Boxing")),
            ("Opinion", ("Editorials", "Columns", "Letters", "Cartoons", "Guest Essays", "Debates", "Analysis", "Reader Panel",
                         "Fact Check", "Public Editor")),
        ),
        regions=("Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware", "Florida",
                 "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
                 "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi", "Missouri", "Montana", "Nebraska",
                 "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio",
                 "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
                 "Utah", "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming"),
        footer=("About Us", "Our Team", "Careers", "Advertise With Us", "Contact Us", "Help Center", "Terms of Service",
                "Privacy Policy", "Cookie Policy", "Your Privacy Choices", "Accessibility", "Sitemap", "RSS Feeds",
                "Newsletters", "Corrections", "Editorial Standards", "Licensing and Reprints", "Press Room",
                "Affiliate Disclosure", "Community Guidelines", "Subscribe", "Gift Subscriptions", "Manage Account",
                "Mobile Apps", "Archive"),
        widgets=("Most Read", "Trending Now", "Editor's Picks", "Popular Tags", "Archives", "Categories", "Recent Comments",
                 "Follow Us", "Newsletter", "Sponsored Stories"),
        tags=("budget", "gardening", "recipes", "travel", "running", "sleep", "savings", "cameras", "coffee", "startups",
              "elections", "weather", "hiking", "podcasts", "parenting", "movies", "housing", "schools", "cycling", "climate",
              "jobs", "retirement", "baking", "smartphones", "security", "pets", "music", "books", "soccer", "wellness"),
        titles=("[city] council votes on new parking rules", "What to know before buying a [product]",
                "The [adj] way to plan your week", "[name]'s guide to weekend hikes near [city]",
                "[company] reports a record quarter", "Five [adj] tips for a tidy kitchen",
                "Why [thing] matters more than you think", "Review: the [product] we used for a month",
                "A weekend in [city] on a small budget", "How [company] plans to hire [num] people",
                "Readers share their [adj] money habits", "Inside [thing]: a short history"),
        comments=("Great read, thanks for sharing.", "I had the same experience last year.", "Looking forward to the next one.",
                  "Lovely photos.", "Could you write more about this?", "My family tried this and it worked.",
                  "Not sure I agree, but interesting points.", "Bookmarked for later.", "This was really helpful.",
                  "We have the same problem in our town."),
        ui=_EN_UI, date="{mon} {d}, {y}", month="{mon} {y}", copyright="Copyright &copy; {year} {name}. All rights reserved."),
    "zh": _Vocab(
        categories=(("新闻", ("国内", "国际", "社会", "评论", "图片")), ("财经", ("股票", "基金", "理财", "银行", "房产")),
                    ("科技", ("手机", "数码", "互联网", "人工智能", "游戏")), ("体育", ("足球", "篮球", "网球", "综合", "赛事")),
                    ("娱乐", ("电影", "电视", "音乐", "明星", "综艺")), ("生活", ("健康", "美食", "旅游", "时尚", "家居")),
                    ("教育", ("高考", "留学", "考研", "职业", "外语")), ("汽车", ("新车", "导购", "用车", "评测", "车展"))),
        regions=("北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
                 "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "内蒙古", "广西",
                 "西藏", "宁夏", "新疆"),
        footer=("关于我们", "联系我们", "广告服务", "招聘信息", "隐私政策", "使用条款", "网站地图", "帮助中心", "意见反馈",
                "免责声明", "版权声明", "友情链接", "投稿须知", "商务合作", "网站导航"),
        widgets=("热门文章", "最新文章", "推荐阅读", "热门标签", "文章归档", "阅读排行", "专题推荐", "关注我们"),
        tags=("手机", "旅游", "美食", "健康", "教育", "电影", "汽车", "房价", "足球", "音乐", "摄影", "读书", "理财", "科技"),
        titles=tuple(oth.ZH_TITLES) + ("{r}发布新的交通规划", "周末去哪儿：{r}旅行攻略", "专家解读最新经济数据",
                                       "如何挑选适合自己的手机", "健康饮食的五个小建议", "城市夜景摄影入门"),
        comments=("写得很好，谢谢分享。", "期待下一篇。", "照片很漂亮。", "我去年也去过那里。", "很有用的信息。", "说得有道理。"),
        ui=_ZH_UI, date="{y}年{m}月{d}日", month="{y}年{m}月", copyright="Copyright &copy; {year} {name} 版权所有"),
    "ko": _Vocab(
        categories=(("뉴스", ("정치", "경제", "사회", "국제", "문화")), ("경제", ("증권", "부동산", "산업", "금융", "취업")),
                    ("스포츠", ("야구", "축구", "농구", "배구", "골프")), ("연예", ("방송", "영화", "음악", "스타", "공연")),
                    ("생활", ("여행", "건강", "음식", "육아", "교육")), ("IT", ("모바일", "인터넷", "게임", "과학", "보안"))),
        regions=("서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남", "전북", "전남",
                 "경북", "경남", "제주"),
        footer=("회사소개", "광고문의", "제휴문의", "이용약관", "개인정보처리방침", "청소년보호정책", "고객센터", "사이트맵",
                "저작권 안내", "기사제보", "구독신청", "채용정보"),
        widgets=("많이 본 뉴스", "최신 기사", "추천 기사", "인기 태그", "지난 기사", "카테고리", "공식 채널"),
        tags=("여행", "맛집", "건강", "육아", "영화", "야구", "주식", "부동산", "게임", "음악", "요리", "캠핑"),
        titles=tuple(oth.KO_TITLES) + ("{r} 지역 축제 개막", "주말 나들이 추천 장소", "건강한 식습관을 위한 다섯 가지 방법",
                                       "새 스마트폰 사용 후기", "{r} 교통 개선 계획 발표"),
        comments=("좋은 글 감사합니다.", "다음 글도 기대할게요.", "사진이 정말 예쁘네요.", "저도 작년에 가 봤어요.", "많은 도움이 되었습니다.",
                  "공감합니다."),
        ui=_KO_UI, date="{y}년 {m}월 {d}일", month="{y}년 {m}월", copyright="Copyright &copy; {year} {name}. All rights reserved."),
}

_LANG_OF: dict[int, str] = {id(v): k for k, v in _VOCAB.items()}
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")
_ICON_NAMES = ("search", "menu", "close", "arrow-right", "arrow-left", "chevron-down", "chevron-up", "x", "facebook",
               "line", "hatena", "instagram", "youtube", "mail", "rss", "home", "user", "cart", "heart", "share", "print",
               "clock", "tag", "folder", "external", "bookmark", "calendar", "pin", "phone", "star", "comment", "eye",
               "download", "play", "info", "warning", "check", "plus", "minus", "settings")
_CSS_BLOCKS = ("header", "nav", "menu", "card", "btn", "grid", "hero", "widget", "ranking", "tag", "share", "modal",
               "footer", "breadcrumb", "pager", "thumb", "badge", "form", "input", "toast", "tabs", "accordion", "slider",
               "banner", "notice", "author", "toc", "table", "list", "media", "article", "entry", "sidebar", "search")
_CSS_ELEMS = ("inner", "title", "text", "link", "icon", "item", "list", "image", "meta", "label", "body", "head", "wrap",
              "button", "count", "date", "caption", "container", "col", "row")
_CSS_MODS = ("active", "large", "small", "primary", "secondary", "dark", "open", "hidden", "sticky", "new", "rounded",
             "fixed", "ghost", "wide", "compact", "current")
_CSS_PROPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("display", ("block", "flex", "grid", "none", "inline-block", "inline-flex")),
    ("margin", ("0", "0 auto", "0 0 1rem", "8px 0", ".5rem 0 0", "0 -8px", "24px auto 0")),
    ("padding", ("0", "4px 8px", "8px 16px", "12px", "1rem 1.5rem", "0 12px", "16px 0 24px")),
    ("color", ("#333", "#1a1a1a", "#666", "#fff", "var(--color-primary)", "var(--color-text-sub)", "#c00", "#0a58ca")),
    ("background", ("#fff", "#f5f5f5", "transparent", "var(--color-bg)", "#222", "linear-gradient(180deg,#fff 0,#f2f2f2 100%)")),
    ("font-size", ("12px", "14px", ".875rem", "1rem", "1.125rem", "1.5rem", "clamp(1.25rem,2vw,1.75rem)")),
    ("font-weight", ("400", "500", "700", "bold")),
    ("line-height", ("1.4", "1.5", "1.7", "1.8", "1")),
    ("border", ("0", "1px solid #ddd", "1px solid var(--color-border)", "2px solid currentColor")),
    ("border-radius", ("0", "4px", "8px", "50%", "9999px")),
    ("position", ("relative", "absolute", "fixed", "sticky")),
    ("top", ("0", "50%", "100%", "-4px")), ("left", ("0", "50%", "auto")),
    ("width", ("100%", "auto", "24px", "280px", "calc(100% - 32px)", "50%")),
    ("height", ("auto", "100%", "24px", "1px", "48px")),
    ("transition", ("opacity .2s ease", "transform .3s cubic-bezier(.4,0,.2,1)", "all .15s linear")),
    ("transform", ("translateY(-50%)", "rotate(180deg)", "scale(1.05)", "translate3d(0,0,0)")),
    ("opacity", ("0", ".6", ".8", "1")), ("z-index", ("1", "10", "100", "9999")),
    ("gap", ("8px", "12px", "16px", "1rem 2rem")), ("align-items", ("center", "flex-start", "stretch")),
    ("justify-content", ("space-between", "center", "flex-end")), ("overflow", ("hidden", "auto")),
    ("white-space", ("nowrap", "normal")), ("text-overflow", ("ellipsis",)), ("box-shadow", ("0 2px 8px rgba(0,0,0,.12)", "none")),
    ("grid-template-columns", ("repeat(auto-fill,minmax(240px,1fr))", "1fr 300px", "repeat(3,1fr)")),
)
_UTILITY_CLASSES = ("flex", "items-center", "justify-between", "gap-2", "gap-4", "px-4", "py-2", "px-3", "py-1", "mt-2",
                    "mb-4", "text-sm", "text-xs", "text-base", "font-medium", "font-bold", "text-gray-600",
                    "text-gray-900", "hover:text-blue-700", "hover:underline", "rounded", "rounded-lg", "border",
                    "border-gray-200", "bg-white", "bg-gray-50", "shadow-sm", "truncate", "line-clamp-2", "w-full",
                    "md:w-1/3", "lg:grid-cols-4", "grid", "grid-cols-2", "hidden", "md:block", "sr-only", "leading-snug",
                    "tracking-tight", "transition", "duration-150", "focus:outline-none", "focus:ring-2")
_JS_WORDS = ("init", "render", "update", "toggle", "open", "close", "fetch", "load", "track", "send", "bind", "resize",
             "scroll", "observe", "lazy", "menu", "modal", "slider", "tabs", "consent", "ads", "share", "search", "pager",
             "state", "config", "queue", "timer", "cache", "store", "event", "handler", "item", "list", "node", "view")
_JS_EVENTS = ("click", "scroll", "resize", "keydown", "touchstart", "load", "visibilitychange", "focusin", "submit")


def _ident(rng: random.Random) -> str:
    """A short minifier-style identifier."""
    first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
    return rng.choice(first) + ("" if rng.random() < 0.6 else rng.choice("abcdefghijklmnopqrstuvwxyz0123456789"))


@dataclass(frozen=True)
class _SiteLook:
    """A site's code-level identity: class prefix, markup style, tracking ids, CDN host."""

    key: str
    furniture: str
    name: str
    prefix: str
    style: str  # "bem" | "wp" | "utility"
    cdn: str
    ga_id: str
    gtm_id: str
    ad_client: str
    accent: str
    comments: bool   # article pages end with a reader comment thread


@lru_cache(maxsize=4096)
def _site_look(host: str, name: str, furniture: str) -> _SiteLook:
    rng = random.Random(f"corpusforge-cc-look:{host}")
    stem = host.split(".")[-2] if host.count(".") >= 1 else host
    return _SiteLook(
        key=host, furniture=furniture if furniture in _VOCAB else "en", name=name,
        prefix=rng.choice(["c", "l", "p", "u", "js", "st", "m", stem[:3]]),
        style=rng.choice(["bem", "bem", "wp", "utility"]),
        cdn=rng.choice([f"cdn.{host.removeprefix('www.')}", f"img.{host.removeprefix('www.')}",
                        f"{stem[:6]}-assets.example-cdn.net", f"static.{host.removeprefix('www.')}"]),
        ga_id=f"G-{''.join(rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ23456789') for _ in range(10))}",
        gtm_id=f"GTM-{''.join(rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ23456789') for _ in range(7))}",
        ad_client=f"ca-pub-{rng.randint(10**15, 10**16 - 1)}",
        accent=f"#{rng.randint(0, 0xFFFFFF):06x}", comments=rng.random() < 0.4)


def _cls(look: _SiteLook, rng: random.Random, block: str, elem: str = "", mod: str = "") -> str:
    """A class attribute value in the site's markup style (utility sites get long class lists)."""
    if look.style == "utility":
        return " ".join(rng.sample(_UTILITY_CLASSES, rng.randint(4, 10)))
    if look.style == "wp":
        base = f"{block}-{elem}" if elem else block
        return f"{base} {block}-{elem or 'wrap'}-{rng.randint(1, 999)}" + (f" is-{mod}" if mod else "")
    base = f"{look.prefix}-{block}" + (f"__{elem}" if elem else "")
    return base + (f" {base}--{mod}" if mod else "")


def _date_parts(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2014, 2024), rng.randint(1, 12), rng.randint(1, 28)


def _fmt_date(v: _Vocab, y: int, m: int, d: int) -> str:
    return v.date.format(y=y, m=m, d=d, mon=_EN_MONTHS[m - 1])


def _make_title(v: _Vocab, rng: random.Random) -> str:
    t = rng.choice(v.titles)
    if v is _VOCAB["zh"] or v is _VOCAB["ko"]:
        return t.replace("{r}", rng.choice(v.regions))
    if v is _VOCAB["en"]:
        if rng.random() < 0.4:
            topic = rng.choice(sorted(oth.EN_TITLES))
            return expand(rng.choice(oth.EN_TITLES[topic]), rng, oth.EN_SLOTS)
        return expand(t, rng, oth.EN_SLOTS)
    return expand(t, rng, web.SLOTS)


@lru_cache(maxsize=None)
def _title_pool(lang: str) -> tuple[str, ...]:
    """Related-article titles of one language, expanded once (filling slots per use is slow)."""
    rng = random.Random(f"corpusforge-cc-titles:{lang}")
    return tuple(_make_title(_VOCAB[lang], rng) for _ in range(600))


def _title(v: _Vocab, rng: random.Random) -> str:
    """A related-article title in the site's language."""
    return rng.choice(_title_pool(_LANG_OF[id(v)]))


def _size(s: str) -> int:
    return len(s.encode("utf-8"))


class _PieceStream:
    """An endless deterministic sequence of one site's markup pieces (the same on every page).

    ``take(budget)`` returns the shortest prefix of at least ``budget`` bytes, so pages of a
    site share their CSS, scripts, menus and footers and differ only in how much of them
    their size draw asks for.
    """

    def __init__(self, seed: str, make: Callable[[random.Random, int], str]) -> None:
        self.rng = random.Random(seed)
        self.make = make
        self.pieces: list[str] = []
        self.ends: list[int] = []

    def take(self, budget: int) -> str:
        if budget <= 0:
            return ""
        while not self.ends or self.ends[-1] < budget:
            piece = self.make(self.rng, len(self.pieces))
            self.pieces.append(piece)
            self.ends.append((self.ends[-1] if self.ends else 0) + _size(piece))
        return "".join(self.pieces[: bisect.bisect_left(self.ends, budget) + 1])


_PREFIX_MARK = "\u00a7"  # stands for the site's class prefix in the shared pools


@lru_cache(maxsize=None)
def _css_pool() -> tuple[str, ...]:
    """CSS rules shared by all sites (with the prefix mark); sites draw their own sequence."""
    rng = random.Random("corpusforge-cc-css-pool")
    out = []
    for _ in range(4000):
        props = rng.sample(_CSS_PROPS, rng.randint(2, 7))
        body = ";".join(f"{p}:{rng.choice(vals)}" for p, vals in props)
        sel = f".{_PREFIX_MARK}-{rng.choice(_CSS_BLOCKS)}__{rng.choice(_CSS_ELEMS)}"
        if rng.random() < 0.3:
            sel += f"--{rng.choice(_CSS_MODS)}"
        if rng.random() < 0.25:
            sel += rng.choice([":hover", ":focus-visible", ":before", ":after", ":first-child", ">a", " img", " li+li"])
        if rng.random() < 0.2:
            sel += f",.{_PREFIX_MARK}-{rng.choice(_CSS_BLOCKS)}__{rng.choice(_CSS_ELEMS)}"
        rule = f"{sel}{{{body}}}"
        if rng.random() < 0.12:
            rule = f"@media (min-width:{rng.choice([576, 768, 992, 1200])}px){{{rule}}}"
        out.append(rule)
    return tuple(out)


def _css_piece(look: _SiteLook) -> Callable[[random.Random, int], str]:
    pool = _css_pool()

    def make(rng: random.Random, k: int) -> str:
        if k == 0:
            return (f":root{{--color-primary:{look.accent};--color-text:#222;--color-text-sub:#767676;--color-bg:#fff;"
                    f"--color-border:#e3e3e3;--header-height:64px;--container:1120px;--radius:6px}}")
        return "".join(rng.choices(pool, k=8)).replace(_PREFIX_MARK, look.prefix)
    return make


_JS_STATEMENTS = (
    'var {a}={b}.querySelectorAll(".{p}-{w}__{e}");',
    "for(var {i}=0;{i}<{a}.length;{i}++){{{a}[{i}].classList.remove(\"is-{m}\")}}",
    "if(!{a}||!{a}.length)return;",
    '{a}.addEventListener("{ev}",function({e2}){{{e2}.preventDefault();{b}.classList.toggle("is-{m}")}},{{passive:!0}});',
    'return String({a}).replace(/[&<>"\']/g,function({e2}){{return"&#"+{e2}.charCodeAt(0)+";"}});',
    'var {a}=new XMLHttpRequest;{a}.open("GET","/api/v{n}/{w}?_="+Date.now(),!0);'
    '{a}.onload=function(){{200==={a}.status&&{b}(JSON.parse({a}.responseText))}};{a}.send();',
    "{a}.dataset.{w}=String({n});",
    'try{{localStorage.setItem("{w}_{n}",JSON.stringify({a}))}}catch({e2}){{}}',
    "var {a}=Math.max(0,Math.min({n},{b}.length-1));",
    '{a}.style.transform="translate3d("+-{b}*{n}+"px,0,0)";',
    "setTimeout(function(){{{a}({b})}},{n});",
    "{a}=Object.assign({{}},{b},{{{w}:{n}}});",
    'if("function"==typeof {a}){{{a}.call(this,{b})}}',
    'window.requestAnimationFrame(function(){{{a}.classList.add("is-{m}")}});',
    'var {a}=document.cookie.match(/(?:^|; ){w}=([^;]*)/);',
    '{a}.push({{event:"{w}_{ev}",category:"{w}",value:{n}}});',
    "{a}.observe({b},{{rootMargin:\"{n}px 0px\",threshold:[0,.25,.5,1]}});",
    "var {a}={b}.getBoundingClientRect(),{i}={a}.top+window.pageYOffset-{n};",
    '{a}.setAttribute("aria-expanded",{b}?"true":"false");',
    "switch({a}.type){{case\"{ev}\":{b}({a});break;default:{b}(null)}}",
)


@lru_cache(maxsize=None)
def _js_pool() -> tuple[str, ...]:
    """Generated minified statements shared by all sites (with the prefix mark)."""
    rng = random.Random("corpusforge-cc-js-pool")
    return tuple(rng.choice(_JS_STATEMENTS).format(
        a=_ident(rng), b=_ident(rng), i=_ident(rng), e2=_ident(rng), n=rng.randint(0, 999), p=_PREFIX_MARK,
        w=rng.choice(_JS_WORDS), e=rng.choice(_CSS_ELEMS), m=rng.choice(_CSS_MODS), ev=rng.choice(_JS_EVENTS))
        for _ in range(6000))


def _js_piece(look: _SiteLook, messages: dict[str, str]) -> Callable[[random.Random, int], str]:
    """Minified-looking library code: webpack-style modules of generated statements."""
    pool = _js_pool()

    def make(rng: random.Random, k: int) -> str:
        if k % 9 == 0 and messages:
            keys = rng.sample(sorted(messages), min(len(messages), rng.randint(3, 8)))
            table = ",".join(f'{x}:{json.dumps(messages[x], ensure_ascii=False)}' for x in keys)
            return f"{rng.randint(100, 9999)}:function(e,t,n){{\"use strict\";e.exports={{{table}}}}},"
        stmts = "".join(rng.choices(pool, k=rng.randint(4, 14))).replace(_PREFIX_MARK, look.prefix)
        fname = rng.choice(_JS_WORDS) + rng.choice(_JS_WORDS).capitalize()
        return (f"{rng.randint(100, 99999)}:function(e,t,n){{\"use strict\";n.d(t,{{{fname}:function(){{return {_ident(rng)}}}}});"
                f"function {_ident(rng)}({_ident(rng)},{_ident(rng)}){{{stmts}}}}},")
    return make


def _svg_path(rng: random.Random) -> str:
    out = [f"M{rng.uniform(1, 23):.2f} {rng.uniform(1, 23):.2f}"]
    for _ in range(rng.randint(4, 16)):
        kind = rng.random()
        if kind < 0.5:
            out.append("c" + " ".join(f"{rng.uniform(-9, 9):.2f}" for _ in range(6)))
        elif kind < 0.8:
            out.append(f"l{rng.uniform(-9, 9):.2f} {rng.uniform(-9, 9):.2f}")
        else:
            out.append(f"{rng.choice('hv')}{rng.uniform(-9, 9):.2f}")
    return "".join(out) + "z"


@lru_cache(maxsize=None)
def _svg_pool() -> tuple[str, ...]:
    rng = random.Random("corpusforge-cc-svg-pool")
    return tuple("".join(f'<path d="{_svg_path(rng)}"/>' for _ in range(rng.randint(1, 3))) for _ in range(800))


def _svg_piece(rng: random.Random, k: int) -> str:
    name = _ICON_NAMES[k] if k < len(_ICON_NAMES) else f"{rng.choice(_ICON_NAMES)}-{k}"
    return f'<symbol id="icon-{name}" viewBox="0 0 24 24">{rng.choice(_svg_pool())}</symbol>'


def _icon(rng: random.Random) -> str:
    name = rng.choice(_ICON_NAMES)
    return (f'<svg class="icon icon-{name}" width="16" height="16" aria-hidden="true" focusable="false">'
            f'<use href="#icon-{name}"></use></svg>')


def _menu_piece(look: _SiteLook) -> Callable[[random.Random, int], str]:
    """Mega-menu columns: every category with its subcategories, then regions, then features."""
    v = _VOCAB[look.furniture]

    def make(rng: random.Random, k: int) -> str:
        ncat = len(v.categories)
        if k < ncat:
            head, subs = v.categories[k]
            items = [(f"/category/{k + 1}/{j + 1}/", s) for j, s in enumerate(subs)]
        elif k == ncat:
            head = v.ui["region"]
            items = [(f"/area/{j + 1}/", r) for j, r in enumerate(v.regions)]
        else:
            head = v.ui["pickup"]
            items = [(f"/feature/{rng.randint(100, 9999)}/", _title(v, rng)) for _ in range(rng.randint(4, 8))]
        lis = "".join(
            f'<li class="{_cls(look, rng, "menu", "item")} menu-item-{rng.randint(100, 99999)}">'
            f'<a href="{_a(href)}" class="{_cls(look, rng, "menu", "link")}" data-ga-category="global_nav" '
            f'data-ga-label="nav_{k}_{j}">{_e(label)}</a></li>' for j, (href, label) in enumerate(items))
        return (f'<div class="{_cls(look, rng, "mega", "col")}"><p class="{_cls(look, rng, "mega", "head")}">'
                f'{_icon(rng)}<a href="/category/{k + 1}/">{_e(head)}</a></p>'
                f'<ul class="{_cls(look, rng, "mega", "list")}">{lis}</ul></div>')
    return make


_EXTERNAL = ' rel="noopener" target="_blank"'


def _footer_piece(look: _SiteLook) -> Callable[[random.Random, int], str]:
    """Footer link farm: site map columns, regions, legal links, partner sites, SNS."""
    v = _VOCAB[look.furniture]

    def make(rng: random.Random, k: int) -> str:
        kind = k % 5
        if kind == 0:
            cat, subs = v.categories[(k // 5) % len(v.categories)]
            links = [(f"/category/{(k // 5) % len(v.categories) + 1}/{j + 1}/", s) for j, s in enumerate(subs)]
            title = cat
        elif kind == 1:
            links = [(f"/area/{j + 1}/", r) for j, r in enumerate(v.regions)]
            title = v.ui["region"]
        elif kind == 2:
            links = [(f"/{rng.choice(_JS_WORDS)}/{j}/", x) for j, x in enumerate(rng.sample(v.footer, min(len(v.footer), 12)))]
            title = v.ui["sitemap"]
        elif kind == 3:
            links = [(f"https://{rng.choice(_JS_WORDS)}{rng.randint(1, 99)}.example.{rng.choice(['com', 'net', 'jp'])}/",
                      _title(v, rng)[:24]) for _ in range(rng.randint(6, 12))]
            title = v.ui["partners"]
        else:
            links = [(f"https://{s}.example.com/{look.prefix}{rng.randint(1, 999)}", s.capitalize())
                     for s in ("x", "facebook", "instagram", "youtube", "line", "tiktok")]
            title = v.ui["follow"]
        lis = "".join(f'<li class="{_cls(look, rng, "footer", "item")}"><a href="{_a(h)}" class="{_cls(look, rng, "footer", "link")}"'
                      f'{_EXTERNAL if h.startswith("https") else ""}>'
                      f'{_icon(rng) if kind == 4 else ""}{_e(t)}</a></li>' for h, t in links)
        return (f'<div class="{_cls(look, rng, "footer", "col")}"><p class="{_cls(look, rng, "footer", "title")}">{_e(title)}</p>'
                f'<ul class="{_cls(look, rng, "footer", "list")}">{lis}</ul></div>')
    return make




@lru_cache(maxsize=256)
def _stream(look: _SiteLook, kind: str) -> _PieceStream:
    """The site's piece stream of one kind (cached: pages of one site come in bursts)."""
    messages = dict(_VOCAB[look.furniture].ui)
    makers: dict[str, Callable[[random.Random, int], str]] = {
        "css": _css_piece(look), "head_js": _js_piece(look, {}), "tail_js": _js_piece(look, messages),
        "svg": _svg_piece, "menu": _menu_piece(look), "footer": _footer_piece(look)}
    return _PieceStream(f"corpusforge-cc-{kind}:{look.key}", makers[kind])


def _head_meta(look: _SiteLook, opts: RenderOptions, rng: random.Random) -> str:
    v = _VOCAB[look.furniture]
    base = f"https://{look.key}"
    parts = [f'<meta property="og:type" content="article"><meta property="og:site_name" content="{_a(look.name)}">',
             f'<meta property="og:title" content="{_a(opts.title)}"><meta name="twitter:card" content="summary_large_image">',
             f'<meta property="og:image" content="https://{look.cdn}/ogp/{rng.getrandbits(48):012x}.jpg">',
             f'<link rel="canonical" href="{base}/articles/{rng.randint(10000, 999999)}/">',
             '<meta name="robots" content="max-image-preview:large"><meta name="format-detection" content="telephone=no">']
    for host in ("www.googletagmanager.com", "pagead2.googlesyndication.com", look.cdn, "fonts.gstatic.com"):
        parts.append(f'<link rel="preconnect" href="https://{host}" crossorigin><link rel="dns-prefetch" href="//{host}">')
    for size in (16, 32, 180, 192, 512):
        parts.append(f'<link rel="icon" type="image/png" sizes="{size}x{size}" href="https://{look.cdn}/icons/favicon-{size}.png">')
    parts.append(f'<link rel="preload" href="https://{look.cdn}/fonts/{look.prefix}-regular.woff2" as="font" '
                 'type="font/woff2" crossorigin>')
    parts.append(f'<link rel="alternate" type="application/rss+xml" title="{_a(look.name)} RSS" href="{base}/feed/">')
    parts.append(f'<meta name="keywords" content="{_a(",".join(rng.sample(v.tags, 5)))}">')
    return "".join(parts)


def _jsonld(look: _SiteLook, opts: RenderOptions, rng: random.Random) -> str:
    v = _VOCAB[look.furniture]
    y, m, d = _date_parts(rng)
    base = f"https://{look.key}"
    cat = rng.randrange(len(v.categories))
    graph = [
        {"@type": "Organization", "@id": f"{base}/#organization", "name": look.name, "url": base + "/",
         "logo": {"@type": "ImageObject", "url": f"https://{look.cdn}/logo.png", "width": 600, "height": 60},
         "sameAs": [f"https://{s}.example.com/{look.prefix}{rng.randint(1, 999)}" for s in ("x", "facebook", "youtube")]},
        {"@type": "WebSite", "@id": f"{base}/#website", "url": base + "/", "name": look.name,
         "potentialAction": {"@type": "SearchAction", "target": f"{base}/search?q={{search_term_string}}",
                             "query-input": "required name=search_term_string"}},
        {"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": v.ui["to_top"], "item": base + "/"},
            {"@type": "ListItem", "position": 2, "name": v.categories[cat][0], "item": f"{base}/category/{cat + 1}/"},
            {"@type": "ListItem", "position": 3, "name": opts.title}]},
        {"@type": "NewsArticle" if rng.random() < 0.5 else "BlogPosting", "headline": opts.title,
         "datePublished": f"{y}-{m:02d}-{d:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00+09:00",
         "image": [f"https://{look.cdn}/images/{y}/{m:02d}/{rng.getrandbits(40):010x}_{w}.jpg" for w in (1200, 800, 400)],
         "author": {"@type": "Organization", "name": look.name}, "publisher": {"@id": f"{base}/#organization"},
         "mainEntityOfPage": f"{base}/articles/{rng.randint(10000, 999999)}/"},
    ]
    payload = json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False, separators=(",", ":"))
    return f'<script type="application/ld+json">{payload}</script>'


def _tracking_head(look: _SiteLook, rng: random.Random) -> str:
    return (f'<script async src="https://www.googletagmanager.com/gtag/js?id={look.ga_id}"></script>'
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());"
            f"gtag('config','{look.ga_id}',{{page_type:'article',content_group:'c{rng.randint(1, 40)}'}});"
            f"(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':new Date().getTime(),event:'gtm.js'}});"
            "var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;"
            f"j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f)}})"
            f"(window,document,'script','dataLayer','{look.gtm_id}');</script>"
            f'<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client={look.ad_client}" '
            'crossorigin="anonymous"></script>')


def _modals(look: _SiteLook, rng: random.Random) -> str:
    """Hidden login form, search overlay and cookie settings, present on every page of a site."""
    u = _VOCAB[look.furniture].ui
    toggles = "".join(
        f'<li class="{_cls(look, rng, "consent", "row")}"><label><input type="checkbox" name="consent_{k}" '
        f'{"checked disabled" if k == "necessary" else ""} data-category="{k}"> {_e(u[k])}</label></li>'
        for k in ("necessary", "analytics", "ads"))
    return (f'<a class="skip-link screen-reader-text" href="#main">{_e(u["skip"])}</a>'
            f'<noscript><iframe src="https://www.googletagmanager.com/ns.html?id={look.gtm_id}" height="0" width="0" '
            'style="display:none;visibility:hidden"></iframe></noscript>'
            f'<div class="{_cls(look, rng, "modal", "wrap")}" id="login-modal" role="dialog" aria-modal="true" hidden>'
            f'<form class="{_cls(look, rng, "form")}" action="/login" method="post"><label>{_e(u["email"])}'
            f'<input type="email" name="email" autocomplete="email" required></label><label>{_e(u["password"])}'
            f'<input type="password" name="password" autocomplete="current-password" required></label>'
            f'<label><input type="checkbox" name="remember"> {_e(u["remember"])}</label>'
            f'<button type="submit" class="{_cls(look, rng, "btn", "", "primary")}">{_e(u["login"])}</button>'
            f'<a href="/password/reset">{_e(u["forgot"])}</a><a href="/register">{_e(u["register"])}</a></form>'
            f'<button class="{_cls(look, rng, "modal", "close")}" aria-label="{_a(u["close"])}">{_icon(rng)}</button></div>'
            f'<div class="{_cls(look, rng, "search", "overlay")}" id="search-overlay" hidden><form action="/search" role="search">'
            f'<input type="search" name="q" placeholder="{_a(u["search"])}" aria-label="{_a(u["search"])}">'
            f'<button type="submit">{_icon(rng)}</button></form></div>'
            f'<div class="{_cls(look, rng, "consent", "panel")}" id="cookie-settings" hidden><p>{_e(u["cookie_settings"])}</p>'
            f'<ul>{toggles}</ul><button data-action="save">{_e(u["save"])}</button></div>')


def _thumb(look: _SiteLook, rng: random.Random, w: int, h: int) -> str:
    y, m, _ = _date_parts(rng)
    src = f"https://{look.cdn}/images/{y}/{m:02d}/{rng.getrandbits(48):012x}"
    return (f'<img src="{src}.jpg?w={w}&amp;h={h}&amp;fit=crop" srcset="{src}.jpg?w={w}&amp;h={h}&amp;fit=crop 1x, '
            f'{src}.jpg?w={2 * w}&amp;h={2 * h}&amp;fit=crop 2x" width="{w}" height="{h}" alt="" loading="lazy" decoding="async">')


def _widget(look: _SiteLook, rng: random.Random, k: int) -> str:
    """One sidebar widget of this page: ranking, tag cloud, monthly archive, categories or picks."""
    v = _VOCAB[look.furniture]
    kind = k % 5
    title = v.widgets[(k * 3 + rng.randrange(2)) % len(v.widgets)]
    if kind in (0, 4):
        items = []
        for rank in range(1, rng.randint(6, 11)):
            y, m, d = _date_parts(rng)
            items.append(
                f'<li class="{_cls(look, rng, "ranking", "item", "top" if rank <= 3 else "")}">'
                f'<a href="/articles/{rng.randint(10000, 999999)}/" class="{_cls(look, rng, "ranking", "link")}" '
                f'data-ga-label="side_{kind}_{rank}"><span class="{_cls(look, rng, "ranking", "num")}">{rank}</span>'
                f'<figure class="{_cls(look, rng, "ranking", "thumb")}">{_thumb(look, rng, 160, 90)}</figure>'
                f'<div class="{_cls(look, rng, "ranking", "body")}"><p class="{_cls(look, rng, "ranking", "title")}">'
                f'{_e(_title(v, rng))}</p><time datetime="{y}-{m:02d}-{d:02d}">{_e(_fmt_date(v, y, m, d))}</time>'
                f'</div></a></li>')
        tabs = "".join(f'<button role="tab" class="{_cls(look, rng, "tabs", "item")}">{_e(v.ui[t])}</button>'
                       for t in ("daily", "weekly", "monthly"))
        body = f'<div role="tablist">{tabs}</div><ol class="{_cls(look, rng, "ranking", "list")}">{"".join(items)}</ol>'
    elif kind == 1:
        tags = rng.sample(v.tags, min(len(v.tags), rng.randint(12, 30)))
        body = "".join(f'<a href="/tag/{rng.randint(1, 9999)}/" class="{_cls(look, rng, "tag", "link")}" '
                       f'style="font-size:{rng.randint(11, 22)}px">{_icon(rng) if rng.random() < 0.2 else ""}#{_e(t)}</a>'
                       for t in tags)
    elif kind == 2:
        y0 = rng.randint(2015, 2021)
        months = [(y, m) for y in range(2024, y0 - 1, -1) for m in range(12, 0, -1)]
        body = ('<ul class="archive-list">' + "".join(
            f'<li><a href="/{y}/{m:02d}/">{_e(v.month.format(y=y, m=m, mon=_EN_MONTHS[m - 1]))}</a> '
            f'<span class="count">({rng.randint(1, 60)})</span></li>' for y, m in months) + "</ul>")
    else:
        body = ('<ul class="cat-list">' + "".join(
            f'<li class="cat-item cat-item-{i + 1}"><a href="/category/{i + 1}/">{_e(c)}</a> '
            f'<span class="count">{rng.randint(3, 900)}{_e(v.ui["count"])}</span></li>' for i, (c, _) in enumerate(v.categories))
            + "</ul>")
    return (f'<section class="{_cls(look, rng, "widget")}" id="widget-{k}"><h3 class="{_cls(look, rng, "widget", "title")}">'
            f'{_e(title)}</h3>{body}</section>')


def _card(look: _SiteLook, rng: random.Random, k: int) -> str:
    """A related-story card: picture, category, title, date (div soup, as themes write it)."""
    v = _VOCAB[look.furniture]
    y, m, d = _date_parts(rng)
    cat = rng.randrange(len(v.categories))
    src = f"https://{look.cdn}/images/{y}/{m:02d}/{rng.getrandbits(48):012x}"
    return (f'<div class="{_cls(look, rng, "grid", "col")}"><div class="{_cls(look, rng, "card", "wrap")}">'
            f'<article class="{_cls(look, rng, "card", "", "new" if k < 2 else "")}"><a href="/articles/{rng.randint(10000, 999999)}/" '
            f'class="{_cls(look, rng, "card", "link")}" data-ga-label="card_{k}"><div class="{_cls(look, rng, "card", "thumb")}">'
            f'<picture><source type="image/webp" srcset="{src}.webp 1x, {src}@2x.webp 2x">'
            f'<img src="{src}.jpg" width="320" height="180" alt="" loading="lazy" decoding="async"></picture></div>'
            f'<div class="{_cls(look, rng, "card", "body")}"><span class="{_cls(look, rng, "card", "cat")}">'
            f'{_e(v.categories[cat][0])}</span><h3 class="{_cls(look, rng, "card", "title")}">{_e(_title(v, rng))}</h3>'
            f'<div class="{_cls(look, rng, "card", "meta")}"><time datetime="{y}-{m:02d}-{d:02d}">{_e(_fmt_date(v, y, m, d))}'
            f'</time>{_icon(rng)}<span class="{_cls(look, rng, "card", "count")}">{rng.randint(0, 999)}</span></div></div>'
            "</a></article></div></div>")


def _comment(look: _SiteLook, rng: random.Random, k: int) -> str:
    v = _VOCAB[look.furniture]
    y, m, d = _date_parts(rng)
    text = "".join(rng.sample(v.comments, rng.randint(1, 3)))
    return (f'<li class="comment even depth-1" id="comment-{k + 1}"><article class="comment-body" id="div-comment-{k + 1}">'
            f'<footer class="comment-meta"><div class="comment-author vcard"><img alt="" src="https://{look.cdn}/avatar/{k % 40}.png" '
            f'class="avatar avatar-40 photo" height="40" width="40" loading="lazy"><b class="fn">{_e(v.ui["author"])} {k + 1}</b>'
            f'</div><div class="comment-metadata"><a href="#comment-{k + 1}"><time datetime="{y}-{m:02d}-{d:02d}">'
            f'{_e(_fmt_date(v, y, m, d))}</time></a></div></footer><div class="comment-content"><p>{_e(text)}</p></div>'
            f'<div class="reply"><a rel="nofollow" class="comment-reply-link" href="#respond">{_icon(rng)}</a></div></article></li>')


def _filled(make: Callable[[int], str], budget: int) -> str:
    """Pieces ``make(0), make(1), ...`` until ``budget`` bytes are reached."""
    out: list[str] = []
    used = 0
    while used < budget:
        piece = make(len(out))
        out.append(piece)
        used += _size(piece)
    return "".join(out)


def _in_article(look: _SiteLook, rng: random.Random, budget: int) -> str:
    """Related-story cards (and, on sites with comments, a comment thread) inside the article."""
    if budget <= 0:
        return ""
    v = _VOCAB[look.furniture]
    share = (f'<div class="{_cls(look, rng, "share", "list")}">'
             + "".join(f'<a href="https://{s}.example.com/share?u=x" class="{_cls(look, rng, "share", "btn")}" '
                       f'rel="nofollow noopener" target="_blank">{_icon(rng)}<span class="screen-reader-text">{s}</span></a>'
                       for s in ("x", "facebook", "line", "hatena", "pocket")) + "</div>")
    card_budget = budget // 2 if look.comments else budget
    cards = _filled(lambda k: _card(look, rng, k), card_budget - _size(share))
    out = (f'{share}<section class="{_cls(look, rng, "related")}"><h2 class="{_cls(look, rng, "related", "title")}">'
           f'{_e(v.ui["pickup"])}</h2><div class="{_cls(look, rng, "grid")}">{cards}</div></section>')
    if look.comments:
        thread = _filled(lambda k: _comment(look, rng, k), budget - _size(out))
        out += (f'<section id="comments" class="comments-area"><h2 class="comments-title">{_e(v.ui["comments"])}</h2>'
                f'<ol class="comment-list">{thread}</ol></section>')
    return out


def _state_json(look: _SiteLook, rng: random.Random, budget: int) -> str:
    """The page's hydration data (a framework's JSON state), filled up to ``budget`` bytes."""
    v = _VOCAB[look.furniture]
    y, m, d = _date_parts(rng)
    head = {"page": {"type": "article", "id": rng.randint(10000, 999999), "category": rng.randrange(len(v.categories)) + 1,
                     "publishedAt": f"{y}-{m:02d}-{d:02d}", "tags": rng.sample(v.tags, 4), "paywall": rng.random() < 0.2},
            "site": {"name": look.name, "ga": look.ga_id, "cdn": f"https://{look.cdn}", "locale": look.furniture},
            "ads": {"client": look.ad_client, "slots": [{"id": f"div-gpt-ad-{rng.randint(10**12, 10**13)}-{k}",
                                                         "sizes": [[300, 250], [336, 280]]} for k in range(4)]},
            "experiments": {f"exp_{rng.randint(100, 999)}": rng.choice(["control", "a", "b"]) for _ in range(5)}}
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    items: list[str] = []
    used = _size(text) + 80
    while used < budget:
        y, m, d = _date_parts(rng)
        item = json.dumps({"id": rng.randint(10000, 999999), "title": _title(v, rng),
                           "url": f"/articles/{rng.randint(10000, 999999)}/",
                           "thumbnail": {"src": f"https://{look.cdn}/images/{y}/{m:02d}/{rng.getrandbits(48):012x}.jpg",
                                         "width": 640, "height": 360}, "publishedAt": f"{y}-{m:02d}-{d:02d}",
                           "category": rng.randrange(len(v.categories)) + 1, "views": rng.randint(0, 500000),
                           "isPr": rng.random() < 0.1}, ensure_ascii=False, separators=(",", ":"))
        items.append(item)
        used += _size(item) + 1
    state = text[:-1] + ',"related":[' + ",".join(items) + "]}"
    return f'<script id="__NEXT_DATA__" type="application/json">{state}</script>'


def _split_scripts(code: str, rng: random.Random, look: _SiteLook) -> str:
    """Library code as a few webpack-chunk <script> blocks."""
    if not code:
        return ""
    return (f'<script>(self.webpackChunk_{look.prefix}=self.webpackChunk_{look.prefix}||[]).push([[{rng.randint(100, 999)}],'
            f"{{{code.rstrip(',')}}}]);</script>")


@dataclass
class CcParts:
    """The markup a "cc" page adds around its light version, by insertion point."""

    head: str = ""
    body_start: str = ""
    after_header: str = ""
    in_article: str = ""
    sidebar: str = ""
    before_footer: str = ""
    body_end: str = ""

    def size(self) -> int:
        return sum(_size(x) for x in (self.head, self.body_start, self.after_header, self.in_article, self.sidebar,
                                      self.before_footer, self.body_end))


def cc_target_bytes(rng: random.Random) -> int:
    """A page size drawn from the CommonCrawl model above (bytes of the HTTP body)."""
    return min(CC_MAX_BODY_BYTES, int(math.exp(rng.gauss(math.log(CC_MEDIAN_BODY_BYTES), CC_SIGMA))))


def cc_parts(site: Site, opts: RenderOptions, light_bytes: int, rng: random.Random) -> CcParts:
    """The added markup of one page: its size is drawn, then split among the parts.

    Everything here draws from ``rng`` (the page's own weight stream), never from the
    stream that rendered the light page, so the main text and truth stay the same.
    """
    look = _site_look(site.host, site.name, site.furniture)
    target = cc_target_bytes(rng)
    budget = target - light_bytes
    parts = CcParts()
    if budget <= 0:
        return parts
    weights = {k: rng.gammavariate(4.0, s) for k, s in _CC_SHARES.items()}
    scale = sum(_CC_SHARES.values()) / sum(weights.values())
    alloc = {k: int(budget * w * scale) for k, w in weights.items()}
    head = [_head_meta(look, opts, rng), _tracking_head(look, rng)]
    css = _stream(look, "css").take(alloc["css"])
    if css:
        cut = css.find("}", len(css) // 3) + 1 or len(css)  # critical CSS plus a theme block, as themes inline them
        head.append(f'<style id="{look.prefix}-critical-css">{css[:cut]}</style>'
                    f'<style id="global-styles-inline-css">{css[cut:]}</style>')
    head.append(_split_scripts(_stream(look, "head_js").take(alloc["head_js"]), rng, look))
    head.append(_jsonld(look, opts, rng))
    parts.head = "".join(head)
    svg = _stream(look, "svg").take(alloc["svg"])
    parts.body_start = (_modals(look, rng) + (f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{svg}</svg>'
                                               if svg else ""))
    menu = _stream(look, "menu").take(alloc["menu"])
    if menu:
        parts.after_header = (f'<div class="{_cls(look, rng, "mega")}" id="mega-menu" aria-hidden="true">'
                              f'<div class="{_cls(look, rng, "mega", "inner")}">{menu}</div></div>')
    parts.in_article = _in_article(look, rng, alloc["in_article"])
    widgets = _filled(lambda k: _widget(look, rng, k), alloc["sidebar"])
    if widgets:
        parts.sidebar = f'<aside class="{_cls(look, rng, "sidebar", "", "sub")}" role="complementary">{widgets}</aside>'
    grid = _filled(lambda k: _card(look, rng, k), alloc["grid"])
    farm = _stream(look, "footer").take(alloc["footer"])
    v = _VOCAB[look.furniture]
    if grid:
        parts.before_footer = (f'<section class="{_cls(look, rng, "more")}"><h2>{_e(v.ui["more"])}</h2>'
                               f'<div class="{_cls(look, rng, "grid")}">{grid}</div></section>')
    if farm:
        parts.before_footer += (f'<div class="{_cls(look, rng, "footer", "nav")}"><div class="{_cls(look, rng, "footer", "inner")}">'
                                f'{farm}</div><p class="{_cls(look, rng, "footer", "copy")}">'
                                f'{v.copyright.format(year=rng.randint(2015, 2024), name=_e(look.name))}</p></div>')
    tail = [_split_scripts(_stream(look, "tail_js").take(alloc["tail_js"]), rng, look),
            "".join(f'<ins class="adsbygoogle" style="display:block" data-ad-client="{look.ad_client}" '
                    f'data-ad-slot="{rng.randint(10**9, 10**10 - 1)}" data-ad-format="auto" data-full-width-responsive="true">'
                    "</ins><script>(adsbygoogle=window.adsbygoogle||[]).push({});</script>" for _ in range(rng.randint(1, 4)))]
    parts.body_end = "".join(tail)
    left = budget - parts.size()
    if left > 0:
        parts.body_end = _state_json(look, rng, left) + parts.body_end
    return parts


def _insert_cc(head: list[str], body: list[str], parts: CcParts) -> list[str]:
    """Head and body lines with the cc parts at their places (templates without a header,
    sidebar or footer get those parts before the closing tags)."""
    head = head[:-1] + [parts.head, head[-1]]
    body = list(body)
    tail = [parts.body_end]
    footer_at = next((k for k, x in enumerate(body) if x.startswith('<footer class="site-footer"')), None)
    if footer_at is not None:
        body.insert(footer_at, parts.before_footer)
    else:
        tail.insert(0, parts.before_footer)
    aside_at = next((k for k, x in enumerate(body) if x.startswith('<aside class="sidebar"')), None)
    if aside_at is not None:
        body.insert(aside_at + 1, parts.sidebar)
    else:
        tail.insert(0, parts.sidebar)
    article_at = next((k for k, x in enumerate(body) if x in ("</article>", "</main>")
                       or x.startswith('<section class="recommend">')), None)
    if article_at is not None:
        body.insert(article_at, parts.in_article)
    else:
        tail.insert(0, parts.in_article)
    header_at = next((k for k, x in enumerate(body) if x.startswith('<header class="site-header"')), None)
    if header_at is not None:
        body.insert(header_at + 1, parts.after_header)
    else:
        tail.insert(0, parts.after_header)
    body.insert(1, parts.body_start)
    body = body[:-1] + ["".join(tail), body[-1]]
    return head + body
