"""Intent: which schema predicates a question asks about, and which attributes it asks about that
the schema does not have.

A small bilingual lexicon of *cues*. English terms are regular expressions matched as whole words,
case-insensitively; Korean terms are matched as substrings (particles attach to nouns). Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ontology.schema import PROPERTY_BY_NAME
from retriever.text import nfc

REFINED_PARENT_WEIGHT = 0.7  # a super-property when a cue asked for its sub-property by name
YEAR_PREDICATES = ("foundedIn", "latestVersionYear", "fundingYear", "employeeCountYear")


@dataclass(frozen=True)
class Cue:
    name: str
    en: tuple[str, ...]  # regex fragments, matched as whole words, case-insensitive
    ko: tuple[str, ...]  # substrings
    predicates: tuple[tuple[str, float], ...] = ()
    answer_classes: tuple[str, ...] = ()
    generic: bool = False  # a vague cue ("how much", "when"): ignored when an unsupported attribute is asked
    shadows: tuple[str, ...] = ()  # cues whose matches inside this cue's matches do not count
    demotes: tuple[
        str, ...
    ] = ()  # predicates this cue makes secondary ("how much": the amount, not the round)


@dataclass(frozen=True)
class Intent:
    predicates: dict[str, float]  # predicate -> weight in (0, 1], strongest first
    answer_classes: tuple[str, ...]  # expected class of the answer (Country, City, ...)
    cues: tuple[str, ...]  # names of the cues that fired
    unsupported_attributes: tuple[str, ...]  # asked-about attributes the schema has no predicate for
    asks_office: bool  # the question is about (having) an office somewhere
    office_places: tuple[str, ...]  # place names an office is asked about ("Japan", "도쿄")

    @property
    def predicate_list(self) -> list[str]:
        return list(self.predicates)


_LOCATION = (("locatedIn", 1.0), ("partOf", 0.6), ("hasOfficeIn", 0.5))

CUES: tuple[Cue, ...] = (
    # --- where ---
    Cue(
        "location",
        (
            r"where",
            r"located",
            r"locations?",
            r"based",
            r"situated",
            r"address",
            r"region",
            r"which (?:country|city|continent|province|state|county|district)",
            r"what (?:country|city|continent|province|state|county|district)",
            r"country",
            r"continent",
        ),
        (
            "어디",
            "위치",
            "소재",
            "나라",
            "국가",
            "대륙",
            "도시",
            "주소",
            "지역",
            "어느 주",
            "어느 도",
            "어느 구",
        ),
        _LOCATION,
    ),
    Cue(
        "headquarters",
        (r"headquarter(?:s|ed)?", r"hq", r"head office", r"main office", r"home base"),
        ("본사", "본부"),
        (("locatedIn", 1.0), ("partOf", 0.5), ("headquarters", 0.3)),
        shadows=("office",),
    ),
    Cue(
        "office",
        (
            r"offices?",
            r"branch(?:es)?",
            r"presence",
            r"subsidiar(?:y|ies)",
            r"r&d(?: (?:cent(?:er|re)|sites?|labs?|facilit(?:y|ies)))?",
            r"research (?:and development )?(?:cent(?:er|re)|sites?|labs?|facilit(?:y|ies))s?",
            r"labs?",
            r"sites?",
            r"facilit(?:y|ies)",
        ),
        ("사무소", "지사", "지점", "오피스", "연구소", "연구개발센터", "센터", "법인"),
        (("hasOfficeIn", 1.0), ("hasOffice", 0.7), ("locatedIn", 0.6), ("partOf", 0.3)),
    ),
    Cue("part_of", (r"part of", r"belongs? to", r"within"), ("속해", "속한", "속하"), (("partOf", 1.0),)),
    # --- expected answer class ---
    Cue("country", (r"countr(?:y|ies)", r"nation"), ("나라", "국가"), (), ("Country",)),
    Cue("continent", (r"continents?",), ("대륙",), (), ("Continent",)),
    Cue("city", (r"city", r"cities", r"town"), ("도시", "어느 시", "무슨 시"), (), ("City",)),
    Cue(
        "province",
        (r"provinces?", r"(?<!the )(?<!united )states?"),
        ("어느 도", "무슨 도", "어느 주", "무슨 주", "주(州)", "있는 주", "주는 어디", "주가 어디"),
        (),
        ("Province", "State"),
    ),
    Cue("county", (r"count(?:y|ies)",), ("카운티",), (), ("County",)),
    Cue("district", (r"districts?", r"gu"), ("어느 구", "무슨 구"), (), ("District",)),
    Cue(
        "neighborhood", (r"neighbou?rhoods?", r"dong"), ("어느 동", "무슨 동", "동네"), (), ("Neighborhood",)
    ),
    # --- company ---
    Cue(
        "founded",
        (r"found(?:ed|ing)?", r"established?", r"started", r"created", r"since when", r"how old"),
        ("설립", "창업", "창립", "세워", "세운"),
        (("foundedIn", 0.8), ("foundedBy", 0.8)),
    ),
    Cue(
        "founded_when",
        (
            r"when .*(?:found|establish|start)\w*",
            r"what year .*(?:found|establish|start)\w*",
            r"since when",
            r"how old",
            r"founding (?:year|date)",
        ),
        (
            "언제 설립",
            "언제 창업",
            "언제 창립",
            "설립 연도",
            "설립연도",
            "몇 년에 설립",
            "몇년에 설립",
            "설립일",
        ),
        (("foundedIn", 1.0),),
    ),
    Cue(
        "founder",
        (r"co-?founders?", r"founders?", r"who (?:founded|started|created|established)"),
        ("창업자", "설립자", "창립자", "공동 창업", "누가 설립", "누가 창업", "누가 만들", "누가 세웠"),
        (("foundedBy", 1.0),),
    ),
    Cue(
        "ceo",
        (r"ceo", r"chief executive", r"chief executive officer", r"boss"),
        ("대표", "사장", "최고경영자", "대표이사", "CEO"),
        (("ceo", 1.0), ("foundedBy", 0.3)),
    ),
    Cue(
        "cto",
        (r"cto", r"chief technology officer", r"chief technical officer", r"technical lead"),
        ("최고기술책임자", "기술 책임자", "기술책임자", "기술 총괄", "기술총괄", "기술 이사", "CTO"),
        (("cto", 1.0), ("foundedBy", 0.3)),
        shadows=("technology",),
    ),
    Cue(
        "leader",
        (r"who (?:runs|leads|manages)", r"leaders?", r"leadership", r"management", r"executives?"),
        ("경영진", "이끄", "운영하는 사람"),
        (("ceo", 0.8), ("cto", 0.7), ("foundedBy", 0.4)),
    ),
    Cue(
        "business",
        (
            r"what does .* do",
            r"business",
            r"speciali[sz]e",
            r"what (?:kind|sort|type) of (?:company|firm|business)",
            r"(?:its|their|company's|firm's) (?:field|line of work|area)",
            r"what (?:field|area)",
            r"work on",
        ),
        ("사업", "무슨 회사", "어떤 회사", "무엇을 하는", "뭐 하는", "하는 일", "분야"),
        (("businessArea", 1.0),),
    ),
    Cue(
        "employees",
        (
            r"employees?",
            r"staff",
            r"headcount",
            r"workers?",
            r"people work",
            r"team size",
            r"how many people",
            r"workforce",
            r"how big",
            r"how large",
        ),
        ("직원", "인원", "임직원", "사원", "몇 명"),
        (("employeeCount", 1.0), ("employeeCountYear", 0.7)),
    ),
    Cue(
        "customers",
        (r"customers?", r"clients?", r"industr(?:y|ies)", r"sectors?", r"who uses", r"users?", r"markets?"),
        ("고객", "산업", "업계", "사용하는 곳", "시장"),
        (("customerIndustry", 1.0),),
    ),
    Cue(
        "funding",
        (
            r"fund(?:ing|ed|s)?",
            r"invest(?:ment|ments|ors?|ed)?",
            r"raised?",
            r"series",
            r"rounds?",
            r"venture capital",
            r"financing",
        ),
        ("투자", "펀딩", "유치", "시리즈", "자금", "라운드"),
        (
            ("raisedFunding", 1.0),
            ("fundingAmount", 0.9),
            ("fundingSeries", 0.8),
            ("fundingYear", 0.7),
            ("fundingCurrency", 0.5),
        ),
    ),
    Cue(
        "amount",
        (
            r"how much (?:money|capital|funding|investment)",
            r"how much did .* raise",
            r"amount",
            r"capital",
            r"billions?",
            r"millions?",
            r"won",
            r"krw",
        ),
        ("규모", "금액", "억 원", "얼마를 투자", "얼마나 투자", "투자금", "자금 규모"),
        (("fundingAmount", 1.0), ("fundingCurrency", 0.6)),
        demotes=("raisedFunding", "fundingSeries"),
    ),
    Cue(
        "how_much", (r"how much",), ("얼마",), (("fundingAmount", 0.5), ("speedupFactor", 0.5)), generic=True
    ),
    # --- products ---
    Cue(
        "product",
        (r"products?", r"offerings?", r"sells?", r"makes?", r"solutions?", r"software", r"tools?"),
        ("제품", "상품", "솔루션", "소프트웨어", "만드"),
        (("hasProduct", 1.0), ("coreProduct", 1.0), ("productFunction", 0.5)),
    ),
    Cue(
        "other_products",
        (r"other products?", r"apart from", r"aside from", r"besides", r"except", r"in addition to"),
        ("다른 제품", "그 외", "외에", "말고"),
        (("hasProduct", 1.0),),
        demotes=("coreProduct",),
    ),
    Cue(
        "core_product",
        (
            r"core product",
            r"flagship",
            r"main product",
            r"key product",
            r"most important product",
            r"primary product",
            r"cent(?:er|re)(?:piece)? of .*(?:lineup|line-up|portfolio|range)",
            r"centerpiece",
        ),
        ("핵심 제품", "주력", "대표 제품", "핵심", "가장 중요", "간판 제품", "내세우"),
        (("coreProduct", 1.0),),
        shadows=("product",),
    ),
    Cue(
        "function",
        (
            r"what is .* for",
            r"used for",
            r"functions?",
            r"purpose",
            r"what does .* do",
            r"what (?:job|task|role)",
            r"what (?:sort|kind|type) of (?:offering|product|service|tool)",
        ),
        ("기능", "용도", "무엇을 위한", "뭘 하는", "하는 제품"),
        (("productFunction", 1.0),),
        shadows=("product",),
    ),
    Cue(
        "version",
        (r"versions?", r"releases?d?", r"latest", r"newest", r"current"),
        ("버전", "출시", "릴리스", "최신"),
        (("latestVersion", 1.0), ("latestVersionYear", 0.8)),
    ),
    Cue(
        "speed",
        (r"faster", r"fast", r"speed(?:-?up)?s?", r"quick(?:er)?", r"times", r"performance", r"accelerat\w*"),
        ("빠르", "빠른", "속도", "몇 배", "배 빠", "배까지", "성능", "가속"),
        (("speedupFactor", 1.0), ("speedupCondition", 0.8)),
    ),
    Cue(
        "speed_condition",
        (
            r"conditions?",
            r"(?:what|which) (?:kind of |sort of |type of )?(?:input|inputs|cases?|problems?|geometr(?:y|ies))",
            r"under what",
            r"in which cases",
        ),
        ("조건", "어떤 경우", "어떤 입력", "어떤 형상"),
        (("speedupCondition", 1.0),),
        demotes=("speedupFactor",),
    ),
    Cue(
        "confidence",
        (r"confiden(?:ce|t)", r"uncertain\w*", r"low confidence", r"not sure", r"fallback"),
        ("신뢰도", "확신", "불확실"),
        (("lowConfidenceBehavior", 1.0), ("suggestsOnLowConfidence", 0.9)),
    ),
    Cue(
        "domain",
        (
            r"simulations?",
            r"simulate",
            r"disciplines?",
            r"domains?",
            r"physics",
            r"cfd",
            r"fluid",
            r"structural",
            r"thermal",
            r"heat",
            r"cover(?:s|ed)?",
            r"support(?:s|ed)?",
            r"analys[ie]s",
        ),
        ("해석", "분야", "지원", "유체", "구조", "열전달", "시뮬레이션"),
        (("coversDomain", 1.0),),
    ),
    Cue(
        "technology",
        (
            r"technolog(?:y|ies)",
            r"combines?",
            r"approach",
            r"how does .* work",
            r"surrogates?",
            r"hybrid",
            r"methods?",
            r"under the hood",
        ),
        ("기술", "결합", "방식", "원리", "대리 모델"),
        (("combinesTechnology", 1.0),),
    ),
    Cue(
        "when",
        (r"when (?:was|were|did|is|does|will)", r"what year", r"which year"),
        ("언제", "몇 년", "몇년", "연도"),
        tuple((p, 0.6) for p in YEAR_PREDICATES),
        generic=True,
    ),
)

# attributes the schema has no predicate for: the pipeline abstains when only these are asked
UNSUPPORTED: tuple[Cue, ...] = (
    Cue(
        "revenue",
        (r"revenues?", r"sales", r"turnover", r"income", r"profits?", r"earnings?", r"profitable"),
        ("매출", "수익", "영업이익", "순이익", "이익", "실적"),
    ),
    Cue(
        "stock ticker",
        (
            r"stocks?",
            r"ticker",
            r"shares?",
            r"listed",
            r"ipo",
            r"publicly traded",
            r"stock exchange",
            r"market cap\w*",
            r"nasdaq",
            r"kospi",
            r"kosdaq",
        ),
        ("주식", "상장", "주가", "종목", "시가총액", "코스닥", "코스피", "티커"),
    ),
    Cue("patents", (r"patents?", r"patented"), ("특허",)),
    Cue(
        "other executives",
        (
            r"cfo",
            r"coo",
            r"cmo",
            r"cio",
            r"cpo",
            r"chief financial",
            r"chief operating",
            r"chief marketing",
            r"vice presidents?",
            r"vp",
            r"chairman",
            r"chairwoman",
            r"board of directors",
            r"board members?",
        ),
        ("재무책임자", "운영책임자", "마케팅책임자", "CFO", "COO", "부사장", "회장", "이사회", "임원"),
    ),
    Cue(
        "valuation", (r"valuation", r"valued", r"worth", r"unicorn"), ("기업가치", "가치 평가", "밸류에이션")
    ),
    Cue(
        "pricing",
        (r"prices?", r"pricing", r"costs?", r"how much does .* cost", r"subscription", r"license fee"),
        ("가격", "요금", "비용", "구독료", "라이선스 비용"),
    ),
    Cue(
        "customer count",
        (r"how many (?:customers|clients|users|companies use)", r"number of (?:customers|clients|users)"),
        ("고객 수", "고객사 수", "고객은 몇", "고객사는 몇", "몇 개의 고객"),
    ),
    Cue(
        "future plans",
        (
            r"next (?:version|release|product|round|office)",
            r"upcoming",
            r"roadmap",
            r"plans? to",
            r"planning to",
            r"will .* (?:be )?(?:release|launch|open|raise|hire)\w*",
            r"future",
        ),
        ("다음 버전", "출시 예정", "계획", "로드맵", "앞으로", "향후"),
    ),
    Cue(
        "education",
        (
            r"universit(?:y|ies)",
            r"graduat\w*",
            r"degrees?",
            r"alma mater",
            r"studied",
            r"education",
            r"phd",
            r"college",
        ),
        ("대학", "졸업", "학위", "학력", "전공", "박사"),
    ),
    Cue("acquisitions", (r"acquir\w*", r"acquisitions?", r"merger", r"bought"), ("인수", "합병")),
)

# places that are not in the knowledge (so no office can be there); adjectives count as a place
UNKNOWN_PLACES_EN: tuple[str, ...] = (
    "Japan",
    "Japanese",
    "Tokyo",
    "Osaka",
    "China",
    "Chinese",
    "Beijing",
    "Shanghai",
    "Shenzhen",
    "United Kingdom",
    "UK",
    "Britain",
    "British",
    "England",
    "London",
    "France",
    "French",
    "Paris",
    "Singapore",
    "India",
    "Indian",
    "Bangalore",
    "Canada",
    "Canadian",
    "Toronto",
    "Vietnam",
    "Taiwan",
    "Hong Kong",
    "Australia",
    "Sydney",
    "Busan",
    "Daejeon",
    "Incheon",
    "Daegu",
    "Gwangju",
    "New York",
    "San Francisco",
    "Boston",
    "Seattle",
    "Austin",
    "Texas",
    "Berlin",
    "Hamburg",
    "Frankfurt",
    "Stuttgart",
    "Netherlands",
    "Amsterdam",
    "Sweden",
    "Italy",
    "Spain",
    "Brazil",
    "Mexico",
    "Africa",
    "South America",
    "Oceania",
    "Middle East",
    "Dubai",
    "Israel",
)
UNKNOWN_PLACES_KO: tuple[str, ...] = (
    "일본",
    "도쿄",
    "오사카",
    "중국",
    "베이징",
    "상하이",
    "선전",
    "영국",
    "런던",
    "프랑스",
    "파리",
    "싱가포르",
    "인도",
    "캐나다",
    "토론토",
    "베트남",
    "대만",
    "홍콩",
    "호주",
    "시드니",
    "부산",
    "대전",
    "인천",
    "대구",
    "광주",
    "뉴욕",
    "샌프란시스코",
    "보스턴",
    "시애틀",
    "텍사스",
    "베를린",
    "함부르크",
    "프랑크푸르트",
    "네덜란드",
    "스웨덴",
    "이탈리아",
    "스페인",
    "브라질",
    "멕시코",
    "아프리카",
    "남미",
    "중동",
    "두바이",
    "이스라엘",
)
_OFFICE_WORDS_EN = r"(?:offices?|branch(?:es)?|presence|subsidiar(?:y|ies)|labs?|sites?|locations?)"
_OFFICE_IN = re.compile(
    rf"\b{_OFFICE_WORDS_EN}\b[^.?!]*?\b(?:in|at)\s+(?:the\s+)?([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)"
)
_OFFICE_WORDS_KO = ("사무소", "지사", "지점", "오피스", "법인", "연구소", "센터")


def _en_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w&])(?:" + "|".join(terms) + r")(?![\w&])", re.IGNORECASE)


@dataclass(frozen=True)
class _Matcher:
    """A cue's terms compiled one by one, so that each match knows its span."""

    cue: Cue
    terms: tuple[tuple[re.Pattern[str], bool], ...]  # (pattern, literal: no ``.*`` wildcard)

    def spans(self, text: str) -> list[tuple[int, int, bool]]:
        found = [
            (m.start(), m.end(), literal) for pattern, literal in self.terms for m in pattern.finditer(text)
        ]
        for term in self.cue.ko:
            start = text.find(term)
            while start != -1:
                found.append((start, start + len(term), True))
                start = text.find(term, start + 1)
        return found


def _matcher(cue: Cue) -> _Matcher:
    return _Matcher(cue, tuple((_en_pattern([term]), ".*" not in term) for term in cue.en))


_MATCHERS: tuple[_Matcher, ...] = tuple(_matcher(c) for c in CUES)
_COMPILED_UNSUPPORTED: tuple[tuple[Cue, re.Pattern[str]], ...] = tuple(
    (c, _en_pattern(c.en)) for c in UNSUPPORTED
)
_UNKNOWN_EN = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in UNKNOWN_PLACES_EN) + r")\b")


def _fires(cue: Cue, pattern: re.Pattern[str], text: str) -> bool:
    return bool(pattern.search(text)) or any(term in text for term in cue.ko)


def fired_cues(text: str) -> list[Cue]:
    """The cues a text triggers, in lexicon order.

    A cue does not fire when every match of it lies strictly inside a longer literal match of a
    cue that shadows it: "head office" is the headquarters cue's, not the office cue's; "기술
    총괄" (head of technology) is the CTO's, not technology's; "core product" is not "products".
    """
    matches = [(m.cue, m.spans(text)) for m in _MATCHERS]
    shadows = [
        (start, end, shadowed)
        for cue, spans in matches
        for shadowed in cue.shadows
        for start, end, literal in spans
        if literal
    ]

    def free(cue: Cue, start: int, end: int) -> bool:
        return not any(
            name == cue.name and s <= start and end <= e and (e - s) > (end - start) for s, e, name in shadows
        )

    return [cue for cue, spans in matches if any(free(cue, s, e) for s, e, _ in spans)]


def office_places(question: str) -> tuple[str, ...]:
    """Place names after "office in ..." (capitalised words) or unknown places near an office word."""
    text = nfc(question)
    places: list[str] = [m.group(1).rstrip(".") for m in _OFFICE_IN.finditer(text)]
    mentions_office_en = re.search(rf"\b{_OFFICE_WORDS_EN}\b", text, re.IGNORECASE) is not None
    if mentions_office_en:
        places.extend(m.group(0) for m in _UNKNOWN_EN.finditer(text))
    if any(word in text for word in _OFFICE_WORDS_KO):
        places.extend(p for p in UNKNOWN_PLACES_KO if p in text)
    return tuple(dict.fromkeys(places))


def _parent(predicate: str) -> str | None:
    prop = PROPERTY_BY_NAME.get(predicate)
    return prop.parent if prop is not None else None


def detect_intent(question: str) -> Intent:
    """The predicates (with weights), answer classes and unsupported attributes a question asks about."""
    text = nfc(question)
    weights: dict[str, float] = {}
    classes: list[str] = []
    unsupported = [cue.name for cue, pattern in _COMPILED_UNSUPPORTED if _fires(cue, pattern, text)]
    active = [cue for cue in fired_cues(text) if not (cue.generic and unsupported)]
    fired = [cue.name for cue in active]
    specific: set[str] = set()  # predicates asked by a non-generic cue
    for cue in active:
        for predicate, weight in cue.predicates:
            weights[predicate] = max(weights.get(predicate, 0.0), weight)
            if not cue.generic:
                specific.add(predicate)
        classes.extend(c for c in cue.answer_classes if c not in classes)
    for predicate in list(weights):  # "core product" asked: the other products are not the answer
        parent = _parent(predicate)
        if (
            parent in weights
            and predicate in specific
            and any(predicate in dict(c.predicates) and parent not in dict(c.predicates) for c in active)
        ):
            weights[parent] = min(weights[parent], REFINED_PARENT_WEIGHT)
    for cue in active:  # a demoting cue names what is asked: its own predicates keep their weight
        if cue.demotes:  # ("apart from its flagship, which products": products, not the flagship)
            for predicate, weight in cue.predicates:
                weights[predicate] = max(weights[predicate], weight)
            for predicate in cue.demotes:
                if predicate in weights:
                    weights[predicate] = min(weights[predicate], REFINED_PARENT_WEIGHT)
    if "when" in fired:  # "when was it founded": the year, not the founders
        promoted = [p for p in YEAR_PREDICATES if p in specific]
        for predicate in weights:
            if predicate in promoted:
                weights[predicate] = 1.0
            elif promoted:
                weights[predicate] = min(weights[predicate], REFINED_PARENT_WEIGHT)
    if classes and not any(p in weights for p in ("locatedIn", "hasOfficeIn", "partOf")):
        for predicate, weight in _LOCATION:  # "which country ..." is a location question
            weights[predicate] = max(weights.get(predicate, 0.0), weight)
    asks_office = "office" in fired
    places = office_places(text) if asks_office else ()
    ordered = dict(sorted(weights.items(), key=lambda item: -item[1]))
    return Intent(
        predicates=ordered,
        answer_classes=tuple(classes),
        cues=tuple(fired),
        unsupported_attributes=tuple(unsupported),
        asks_office=asks_office,
        office_places=places,
    )
