"""Non-Japanese texts for the synthetic pages (the ~95% of a crawl that is not Japanese).

Original, deliberately simple prose: enough for language and script detectors and
extractors to have real work, not meant to be read. Chinese texts use Han characters
and Chinese punctuation but never kana (the trap for kanji-only Japanese checks).
"""

from __future__ import annotations

EN_SLOTS: dict[str, list[str]] = {
    "city": ["Portland", "Leeds", "Austin", "Dublin", "Melbourne", "Toronto", "Denver", "Bristol", "Auckland",
             "Glasgow", "Seattle", "Cardiff", "Halifax", "Boise", "Perth"],
    "name": ["Sarah", "James", "Emily", "Michael", "Olivia", "Daniel", "Grace", "Thomas", "Hannah", "Lucas",
             "Chloe", "Ryan", "Megan", "Owen", "Laura"],
    "product": ["laptop stand", "coffee grinder", "running shoes", "desk lamp", "water bottle", "backpack",
                "wireless mouse", "yoga mat", "cast iron pan", "rain jacket", "phone charger", "office chair"],
    "thing": ["the garden", "the kitchen", "the budget", "the schedule", "the new policy", "the old bridge",
              "the local library", "the project", "the market", "the school board", "the weather", "the recipe"],
    "adj": ["simple", "practical", "surprising", "useful", "common", "important", "reliable", "affordable",
            "quiet", "popular", "modern", "traditional"],
    "company": ["Northwind Labs", "Bluefield Systems", "Harbor & Pine", "Crestline Foods", "Apex Motors",
                "Silverleaf Media", "Riverton Energy", "Brightpath Health"],
}

EN_TOPICS: dict[str, list[str]] = {
    "tech": [
        "The new version of the app adds a dark mode and faster sync across devices.",
        "Most users will notice that pages load noticeably quicker than before.",
        "[company] said the update was tested by more than [num] volunteers over [small] months.",
        "Security researchers recommend turning on two-factor authentication for every account.",
        "If your device is more than five years old, some features may not be available.",
        "The team behind the project published a detailed changelog on its website.",
        "Battery life remains the most common complaint in user reviews.",
        "Developers can try the beta through the usual preview channel.",
        "Cloud storage prices have dropped steadily over the last decade.",
        "A [adj] way to free up disk space is to clear old downloads and cached files.",
    ],
    "travel": [
        "[city] is a [adj] place to spend a long weekend in spring.",
        "The old town is small enough to explore on foot in a single afternoon.",
        "Trains from the airport run every fifteen minutes and take about half an hour.",
        "We stayed in a family-run guesthouse a few streets away from the harbor.",
        "Breakfast was served in a bright room overlooking the garden.",
        "Book museum tickets online to avoid the long queues in summer.",
        "The coastal path offers wonderful views, but bring sturdy shoes.",
        "Local markets open early and are the best place to try regional food.",
        "Prices in the city center are higher, so consider eating a little further out.",
        "On our last day we rented bikes and followed the river out of town.",
    ],
    "health": [
        "Regular walking is one of the [adj] habits that supports long-term health.",
        "Experts suggest at least thirty minutes of moderate activity on most days.",
        "Drinking enough water matters more in hot weather and during exercise.",
        "A balanced plate includes vegetables, whole grains and a source of protein.",
        "Sleep quality often improves when screens are switched off an hour before bed.",
        "Stretching after a workout can reduce stiffness the next morning.",
        "Talk to your doctor before making large changes to your diet.",
        "Small changes, repeated every day, tend to last longer than strict plans.",
        "Many people find it easier to stay active with a friend or a group.",
        "Stress can affect appetite, sleep and concentration in different ways.",
    ],
    "finance": [
        "Building an emergency fund is the first step most advisers recommend.",
        "A simple budget separates fixed costs from flexible spending.",
        "Interest rates rose again this quarter, according to the central bank.",
        "Shares of [company] closed [small] percent higher after the earnings report.",
        "Analysts expect consumer spending to slow in the coming months.",
        "Comparing fees carefully can save hundreds of dollars over a few years.",
        "Automatic transfers make saving easier because they happen before you can spend the money.",
        "Inflation has eased, but food and housing costs remain high.",
        "Small businesses in [city] reported a busy holiday season.",
        "Read the terms of any loan carefully before signing.",
    ],
    "cooking": [
        "This [adj] soup takes about forty minutes from start to finish.",
        "Start by softening the onions in a little olive oil over low heat.",
        "Add the garlic and stir for one minute until fragrant.",
        "Season with salt and pepper, then taste and adjust at the end.",
        "Leftovers keep well in the fridge for up to three days.",
        "If you prefer a thicker texture, blend half of the soup and stir it back in.",
        "Fresh herbs make a big difference, but dried ones work in a pinch.",
        "My grandmother made this recipe every winter when I was a child.",
        "Serve it with crusty bread and a simple green salad.",
        "You can double the recipe and freeze portions for busy weeknights.",
    ],
    "local": [
        "The city council voted on Tuesday to extend opening hours at [thing].",
        "Residents of [city] will be able to comment on the plan until the end of the month.",
        "Work on [thing] is expected to finish before the autumn term begins.",
        "Volunteers collected more than [num] bags of litter along the river on Saturday.",
        "The farmers market returns to the main square every Sunday from May.",
        "Parking will be limited during the festival, so visitors are encouraged to take the bus.",
        "[name] [surname_en], who has lived in the area for thirty years, welcomed the decision.",
        "The library will host free coding classes for teenagers this summer.",
        "Local schools reported higher attendance after the new bus routes started.",
        "A public meeting about [thing] will be held next Thursday evening.",
    ],
}
EN_SURNAMES: list[str] = ["Miller", "Hughes", "Bennett", "Carter", "Foster", "Reid", "Walsh", "Turner", "Price", "Morgan"]
EN_TITLES: dict[str, list[str]] = {
    "tech": ["What's new in the latest update", "How to free up space on your laptop", "A [adj] guide to passwords"],
    "travel": ["A weekend in [city]", "Ten things to do in [city]", "Walking the coast near [city]"],
    "health": ["Why walking matters", "Simple habits for better sleep", "Staying active at home"],
    "finance": ["How to start a budget", "Markets close higher on earnings", "Saving money without trying"],
    "cooking": ["Easy weeknight soup", "My grandmother's winter recipe", "Cooking for the week ahead"],
    "local": ["Council approves new plan", "River clean-up draws record numbers", "Summer events in [city]"],
}

EN_NAV: list[str] = ["Home", "About", "Blog", "News", "Shop", "Contact", "Login", "Sign up", "Careers", "Help", "Search"]
EN_SIDEBAR: list[str] = ["Popular posts", "Recent comments", "Categories", "Archives", "Subscribe to our newsletter",
                         "Follow us", "Related articles", "Editor's picks"]
EN_FOOTER: list[str] = ["© [year] [company]. All rights reserved.", "Privacy Policy | Terms of Use | Cookie Settings",
                        "Back to top", "Powered by a content management system", "Contact us | Advertise | Press"]
EN_COOKIE: list[str] = ["We use cookies to improve your experience. By continuing to browse, you agree to our use of cookies.",
                        "This website uses cookies for analytics and personalised content.",
                        "We value your privacy. Choose which cookies you accept."]
EN_NOT_FOUND: list[str] = ["404 Not Found", "The requested URL was not found on this server.",
                           "Sorry, the page you are looking for does not exist.", "Page not found"]

ZH_SENTENCES: list[str] = [
    "近年来，越来越多的年轻人选择在周末去郊外徒步旅行。",
    "这家公司今年的营业收入比去年增长了百分之十二。",
    "专家表示，合理饮食和适量运动是保持健康的关键。",
    "城市公共交通系统正在不断完善，地铁线路也在持续增加。",
    "学习一门外语需要长期坚持，每天练习才能取得进步。",
    "这座古城有着两千多年的历史，吸引了大量游客前来参观。",
    "随着互联网的发展，网上购物已经成为人们生活的一部分。",
    "今天的天气晴朗，气温适宜，非常适合外出活动。",
    "政府计划在未来五年内建设更多的公园和绿地。",
    "这本书讲述了一个普通家庭在时代变迁中的故事。",
    "手机应用的更新带来了更快的速度和更简洁的界面。",
    "研究人员发现，充足的睡眠有助于提高学习效率。",
    "本店所有商品均为正品，全国包邮，欢迎选购。",
    "传统节日是中华文化的重要组成部分。",
    "农民们正忙着收割今年的小麦，脸上露出了丰收的喜悦。",
    "该市今年的空气质量明显改善，蓝天的天数增加了。",
    "在线教育平台为偏远地区的学生提供了新的学习机会。",
    "这道菜的做法很简单，只需要准备几种常见的食材。",
    "比赛进行得非常激烈，最后主队以一分之差获胜。",
    "新建的图书馆将于下个月正式对外开放。",
]
ZH_TITLES: list[str] = ["今日新闻", "健康生活小知识", "周末旅行攻略", "科技资讯", "读书笔记", "美食推荐", "城市发展动态"]
ZH_NAV: list[str] = ["首页", "新闻", "关于我们", "联系我们", "登录", "注册", "帮助中心"]
ZH_FOOTER: list[str] = ["版权所有 © [year]", "隐私政策 | 使用条款", "网站地图"]

ZH_TW_SENTENCES: list[str] = [
    "這家餐廳的牛肉麵在當地非常有名，每天中午都大排長龍。",
    "政府宣布將在明年擴大補助範圍，協助中小企業轉型。",
    "颱風即將接近，氣象單位提醒民眾做好防颱準備。",
    "這個展覽介紹了島上原住民族的傳統文化與工藝。",
    "捷運新路線預計在年底前完工通車。",
    "許多學生利用暑假參加志工活動，累積社會經驗。",
    "夜市裡各式各樣的小吃吸引了許多觀光客。",
    "研究團隊開發出一種新的材料，可以延長電池的壽命。",
    "老街保留了許多百年以上的建築，值得慢慢散步欣賞。",
    "專家建議，每天至少運動三十分鐘，有助於維持健康。",
]
ZH_TW_TITLES: list[str] = ["最新消息", "旅遊分享", "生活資訊", "美食地圖", "科技新知"]

KO_SENTENCES: list[str] = [
    "오늘은 날씨가 맑고 따뜻해서 산책하기 좋은 날이었습니다.",
    "이 식당은 현지인들에게 인기가 많은 곳으로 유명합니다.",
    "정부는 내년부터 청년 주거 지원을 확대할 계획이라고 밝혔습니다.",
    "새로 출시된 스마트폰은 배터리 성능이 크게 향상되었습니다.",
    "매일 꾸준히 운동하는 것이 건강을 지키는 가장 좋은 방법입니다.",
    "주말에 가족과 함께 바닷가로 여행을 다녀왔습니다.",
    "이번 전시회에서는 전통 공예 작품 백여 점을 만나볼 수 있습니다.",
    "외국어를 배울 때는 듣기와 말하기를 함께 연습하는 것이 중요합니다.",
    "지하철 새 노선이 개통되면서 출퇴근 시간이 크게 줄었습니다.",
    "이 책은 평범한 사람들의 이야기를 따뜻하게 그려낸 작품입니다.",
    "전문가들은 충분한 수면이 집중력 향상에 도움이 된다고 말합니다.",
    "온라인 쇼핑몰에서 할인 행사가 다음 주까지 진행됩니다.",
    "지역 축제에는 많은 관광객이 몰려 큰 성황을 이루었습니다.",
    "요리를 처음 시작할 때는 간단한 요리부터 해보는 것이 좋습니다.",
]
KO_TITLES: list[str] = ["오늘의 뉴스", "여행 후기", "건강 정보", "맛집 추천", "생활 꿀팁"]

DE_SENTENCES: list[str] = [
    "Die Stadt plant, im kommenden Jahr neue Radwege zu bauen.",
    "Viele Familien verbringen ihre Ferien gern an der Ostsee.",
    "Das Museum zeigt eine Ausstellung über die Geschichte der Region.",
    "Nach Angaben des Unternehmens stieg der Umsatz um zwölf Prozent.",
    "Regelmäßige Bewegung ist gut für Körper und Geist.",
    "Der Wetterdienst warnt vor starken Gewittern am Nachmittag.",
    "Die Schüler lernen im Unterricht, wie man Quellen kritisch prüft.",
    "Für das Rezept braucht man Kartoffeln, Zwiebeln und etwas Butter.",
    "Die neue Bahnstrecke verkürzt die Fahrzeit erheblich.",
    "Im Sommer findet auf dem Marktplatz ein großes Straßenfest statt.",
    "Experten empfehlen, mindestens acht Stunden pro Nacht zu schlafen.",
    "Die Bürger können ihre Meinung bis Ende des Monats äußern.",
]
FR_SENTENCES: list[str] = [
    "La ville prévoit de rénover la place centrale l'année prochaine.",
    "De nombreux touristes visitent la région pendant l'été.",
    "Selon l'entreprise, les ventes ont augmenté de huit pour cent.",
    "Il est conseillé de boire beaucoup d'eau lorsqu'il fait chaud.",
    "Le marché du samedi propose des produits frais de la région.",
    "Les élèves ont présenté leurs projets devant leurs parents.",
    "Cette recette traditionnelle se prépare en moins d'une heure.",
    "Le musée accueille une nouvelle exposition consacrée à la peinture.",
    "Les travaux sur la ligne de train devraient se terminer en automne.",
    "Une promenade au bord du lac est idéale pour se détendre.",
    "Le conseil municipal a voté un budget plus important pour les écoles.",
]
ES_SENTENCES: list[str] = [
    "La ciudad inaugurará un nuevo parque el próximo mes.",
    "Muchas familias viajan a la costa durante las vacaciones de verano.",
    "Según la empresa, las ventas crecieron un diez por ciento este año.",
    "Los expertos recomiendan caminar al menos treinta minutos al día.",
    "El mercado central ofrece frutas y verduras de temporada.",
    "Esta receta tradicional es fácil de preparar en casa.",
    "El museo presenta una exposición sobre la historia de la región.",
    "Los estudiantes participaron en un proyecto de limpieza del río.",
    "El servicio de trenes mejorará con la nueva línea.",
    "La biblioteca ofrece talleres gratuitos para niños los sábados.",
]
RU_SENTENCES: list[str] = [
    "В городе открылся новый парк для жителей и гостей.",
    "Многие семьи проводят летний отпуск на море.",
    "По данным компании, выручка выросла на десять процентов.",
    "Врачи советуют больше гулять на свежем воздухе.",
    "В музее открылась выставка, посвящённая истории края.",
    "Строительство новой линии метро завершится в следующем году.",
    "Этот рецепт очень простой и не требует много времени.",
    "Школьники приняли участие в городском конкурсе проектов.",
    "Синоптики обещают тёплую погоду на выходных.",
    "Библиотека проводит бесплатные занятия для детей.",
]
EURO_TITLES: dict[str, list[str]] = {
    "de": ["Nachrichten aus der Region", "Tipps für den Urlaub", "Rezept der Woche"],
    "fr": ["Actualités locales", "Idées de sorties", "Recette de la semaine"],
    "es": ["Noticias locales", "Consejos de viaje", "Receta de la semana"],
    "ru": ["Новости города", "Советы путешественникам", "Рецепт недели"],
}
