"""Small HTML pages for the extraction tests (texts written for these tests)."""

from __future__ import annotations

JA_PARAGRAPHS = [
    "私たちの町では、毎年秋になると小さな収穫祭が開かれます。",
    "広場には地元の農家が育てた野菜や果物が並び、子どもから大人まで多くの人が集まります。",
    "今年は天気にも恵まれ、朝早くから夕方まで笑い声が絶えませんでした。",
    "ボランティアの皆さんが会場の準備と片付けを手伝ってくれたおかげで、無事に終えることができました。",
    "来年はさらに多くの出店者を招き、地域の魅力を伝える催しにしたいと考えています。",
]
# a kanji-heavy Japanese text (news style): still has particles in kana
JA_NEWS = "政府は来年度予算案を閣議決定した。総額は過去最大となり、社会保障費の増加が主な要因とされる。"
ZH_PARAGRAPHS = [
    "我们的城市每年秋天都会举办一个小型的丰收节。",
    "广场上摆满了当地农民种植的蔬菜和水果，吸引了很多市民前来参观。",
    "今年天气很好，从早到晚都充满了欢声笑语。",
    "志愿者们帮助布置和清理会场，活动顺利结束。",
]
ZH_TW_PARAGRAPHS = [
    "我們的城市每年秋天都會舉辦一個小型的豐收節。",
    "廣場上擺滿了當地農民種植的蔬菜和水果，吸引了很多市民前來參觀。",
    "今年天氣很好，從早到晚都充滿了歡聲笑語。",
]
KO_PARAGRAPHS = [
    "우리 마을에서는 매년 가을에 작은 추수 축제가 열립니다.",
    "광장에는 지역 농부들이 기른 채소와 과일이 놓이고 많은 사람들이 모입니다.",
    "올해는 날씨도 좋아서 아침부터 저녁까지 웃음소리가 끊이지 않았습니다.",
]
EN_PARAGRAPHS = [
    "Every autumn our town holds a small harvest festival in the main square.",
    "Local farmers bring vegetables and fruit, and people of all ages come to visit.",
    "This year the weather was kind, and the square was full from morning until evening.",
    "Volunteers helped to set up and clean the venue, so the day ended without trouble.",
]
RU_PARAGRAPHS = [
    "Каждую осень в нашем городе проходит небольшой праздник урожая.",
    "Местные фермеры привозят овощи и фрукты, и на площади собирается много людей.",
]


def page(paragraphs: list[str], title: str = "", lang: str | None = None, meta_charset: str | None = None,
         repeat: int = 3, extra_head: str = "") -> str:
    """A page with navigation, an article of ``paragraphs`` (repeated) and a footer."""
    lang_attr = f' lang="{lang}"' if lang else ""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{p}</p>" for _ in range(repeat) for p in paragraphs)
    return (f"<!DOCTYPE html><html{lang_attr}><head>{meta}<title>{title}</title>{extra_head}</head>"
            f"<body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            f"<footer>Copyright 2024 Example</footer></body></html>")


def ja_page(**kw: object) -> str:
    kw.setdefault("title", "秋の収穫祭のお知らせ")
    return page(JA_PARAGRAPHS, **kw)  # type: ignore[arg-type]


def zh_page(**kw: object) -> str:
    kw.setdefault("title", "秋季丰收节")
    return page(ZH_PARAGRAPHS, **kw)  # type: ignore[arg-type]


def zh_tw_page(**kw: object) -> str:
    kw.setdefault("title", "秋季豐收節")
    return page(ZH_TW_PARAGRAPHS, **kw)  # type: ignore[arg-type]


def ko_page(**kw: object) -> str:
    kw.setdefault("title", "가을 추수 축제")
    return page(KO_PARAGRAPHS, **kw)  # type: ignore[arg-type]


def en_page(**kw: object) -> str:
    kw.setdefault("title", "Autumn harvest festival")
    return page(EN_PARAGRAPHS, **kw)  # type: ignore[arg-type]


def ru_page(**kw: object) -> str:
    kw.setdefault("title", "Праздник урожая")
    return page(RU_PARAGRAPHS, **kw)  # type: ignore[arg-type]
