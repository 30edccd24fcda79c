"""The AX Lab vocabulary: classes, object properties and data properties.

This is the single source of truth for what a knowledge row may say. The loader
rejects any predicate or class not declared here; the OWL builder turns it into
an ontology; the retriever and the prompt builder use the labels to verbalise
triples in English and Korean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

NAMESPACE = "https://axlab.dev/ontology/solverx#"
PREFIX = "ax"


@dataclass(frozen=True)
class ClassDef:
    name: str
    parent: str | None
    label_en: str
    label_ko: str


@dataclass(frozen=True)
class PropertyDef:
    """A property; ``phrase_*`` verbalise ``subject <phrase> object``."""

    name: str
    kind: Literal["object", "data"]
    domain: str | None
    range: str | None  # a class for object properties, an XSD datatype name for data properties
    label_en: str
    label_ko: str
    phrase_en: str
    phrase_ko: str
    transitive: bool = False
    functional: bool = False
    parent: str | None = None  # rdfs:subPropertyOf
    chains: tuple[tuple[str, str], ...] = field(default=())  # owl:propertyChainAxiom (p1 o p2 -> self)


CLASSES: tuple[ClassDef, ...] = (
    ClassDef("Agent", None, "agent", "행위자"),
    ClassDef("Organization", "Agent", "organization", "조직"),
    ClassDef("Company", "Organization", "company", "회사"),
    ClassDef("Person", "Agent", "person", "사람"),
    ClassDef("Product", None, "product", "제품"),
    ClassDef("Office", None, "office", "사무소"),
    ClassDef("FundingRound", None, "funding round", "투자 라운드"),
    ClassDef("Industry", None, "industry", "산업"),
    ClassDef("SimulationDomain", None, "simulation domain", "시뮬레이션 분야"),
    ClassDef("Technology", None, "technology", "기술"),
    ClassDef("Place", None, "place", "장소"),
    ClassDef("Continent", "Place", "continent", "대륙"),
    ClassDef("Country", "Place", "country", "국가"),
    ClassDef("Province", "Place", "province", "도"),
    ClassDef("State", "Place", "state", "주"),
    ClassDef("County", "Place", "county", "카운티"),
    ClassDef("City", "Place", "city", "시"),
    ClassDef("District", "Place", "district (gu)", "구"),
    ClassDef("Neighborhood", "Place", "neighborhood (dong)", "동"),
    ClassDef("Area", "Place", "area", "지역"),
)

PROPERTIES: tuple[PropertyDef, ...] = (
    # --- location ---
    PropertyDef(
        "partOf",
        "object",
        "Place",
        "Place",
        "part of",
        "의 일부",
        "is part of",
        "에 속한다",
        transitive=True,
    ),
    PropertyDef(
        "locatedIn",
        "object",
        None,
        "Place",
        "located in",
        "위치",
        "is located in",
        "에 위치한다",
        chains=(("locatedIn", "partOf"), ("headquarters", "locatedIn")),
    ),
    PropertyDef(
        "hasOffice",
        "object",
        "Company",
        "Office",
        "has office",
        "사무소",
        "has an office",
        "의 사무소를 가진다",
    ),
    PropertyDef(
        "headquarters",
        "object",
        "Company",
        "Office",
        "headquarters",
        "본사",
        "has its headquarters at",
        "의 본사를 가진다",
        functional=True,
        parent="hasOffice",
    ),
    PropertyDef(
        "hasOfficeIn",
        "object",
        "Company",
        "Place",
        "has an office in",
        "사무소 소재지",
        "has an office in",
        "에 사무소가 있다",
        chains=(("hasOffice", "locatedIn"), ("hasOfficeIn", "partOf")),
    ),
    # --- company ---
    PropertyDef(
        "foundedBy",
        "object",
        "Company",
        "Person",
        "founded by",
        "설립자",
        "was founded by",
        "이(가) 설립했다",
    ),
    PropertyDef("ceo", "object", "Company", "Person", "CEO", "대표이사", "has CEO", "의 CEO는"),
    PropertyDef("cto", "object", "Company", "Person", "CTO", "최고기술책임자", "has CTO", "의 CTO는"),
    PropertyDef(
        "hasProduct", "object", "Company", "Product", "product", "제품", "makes the product", "의 제품이다"
    ),
    PropertyDef(
        "coreProduct",
        "object",
        "Company",
        "Product",
        "core product",
        "핵심 제품",
        "has the core product",
        "의 핵심 제품이다",
        parent="hasProduct",
    ),
    PropertyDef(
        "customerIndustry",
        "object",
        "Company",
        "Industry",
        "customer industry",
        "고객 산업",
        "has customers in the",
        "의 고객 산업이다",
    ),
    PropertyDef(
        "raisedFunding",
        "object",
        "Company",
        "FundingRound",
        "raised funding",
        "투자 유치",
        "raised",
        "을(를) 유치했다",
    ),
    # --- product ---
    PropertyDef(
        "combinesTechnology",
        "object",
        "Product",
        "Technology",
        "combines technology",
        "결합 기술",
        "combines",
        "을(를) 결합한다",
    ),
    PropertyDef(
        "coversDomain",
        "object",
        "Product",
        "SimulationDomain",
        "covers domain",
        "지원 분야",
        "covers",
        "을(를) 지원한다",
    ),
    PropertyDef(
        "suggestsOnLowConfidence",
        "object",
        "Product",
        "Technology",
        "suggests on low confidence",
        "낮은 신뢰도 시 제안",
        "suggests calling, when its confidence score is low, the",
        "을(를) 신뢰도가 낮을 때 제안한다",
    ),
    # --- data properties ---
    PropertyDef(
        "businessArea",
        "data",
        "Company",
        "string",
        "business area",
        "사업 분야",
        "works on",
        "의 사업 분야는",
    ),
    PropertyDef(
        "foundedIn",
        "data",
        "Company",
        "gYear",
        "founded in",
        "설립 연도",
        "was founded in",
        "에 설립되었다",
        functional=True,
    ),
    PropertyDef(
        "employeeCount",
        "data",
        "Company",
        "integer",
        "employee count",
        "직원 수",
        "has this many employees:",
        "명의 직원이 있다",
    ),
    PropertyDef(
        "employeeCountYear",
        "data",
        "Company",
        "gYear",
        "employee count year",
        "직원 수 기준 연도",
        "counted its employees in",
        "년 기준 직원 수",
    ),
    PropertyDef(
        "speedupFactor",
        "data",
        "Product",
        "integer",
        "speed-up factor",
        "속도 향상 배수",
        "is this many times faster than a conventional solver at most:",
        "배까지 빠르다",
    ),
    PropertyDef(
        "speedupCondition",
        "data",
        "Product",
        "string",
        "speed-up condition",
        "속도 향상 조건",
        "reaches its speed-up",
        "에서 속도가 향상된다",
    ),
    PropertyDef(
        "lowConfidenceBehavior",
        "data",
        "Product",
        "string",
        "low-confidence behaviour",
        "낮은 신뢰도 시 동작",
        "when its confidence score is low,",
        "신뢰도가 낮으면",
    ),
    PropertyDef(
        "latestVersion",
        "data",
        "Product",
        "string",
        "latest version",
        "최신 버전",
        "has the latest version",
        "의 최신 버전은",
        functional=True,
    ),
    PropertyDef(
        "latestVersionYear",
        "data",
        "Product",
        "gYear",
        "latest version release year",
        "최신 버전 출시 연도",
        "released its latest version in",
        "년에 최신 버전이 출시되었다",
    ),
    PropertyDef(
        "productFunction",
        "data",
        "Product",
        "string",
        "function",
        "기능",
        "is for",
        "을(를) 위한 제품이다",
    ),
    PropertyDef(
        "fundingSeries", "data", "FundingRound", "string", "series", "시리즈", "is of series", "시리즈"
    ),
    PropertyDef("fundingAmount", "data", "FundingRound", "integer", "amount", "금액", "amounts to", "규모"),
    PropertyDef(
        "fundingCurrency", "data", "FundingRound", "string", "currency", "통화", "is in the currency", "통화"
    ),
    PropertyDef(
        "fundingYear", "data", "FundingRound", "gYear", "year", "연도", "took place in", "년에 이루어졌다"
    ),
)

CLASS_BY_NAME: dict[str, ClassDef] = {c.name: c for c in CLASSES}
PROPERTY_BY_NAME: dict[str, PropertyDef] = {p.name: p for p in PROPERTIES}
OBJECT_PROPERTIES = frozenset(p.name for p in PROPERTIES if p.kind == "object")
DATA_PROPERTIES = frozenset(p.name for p in PROPERTIES if p.kind == "data")
DATATYPES = frozenset({"string", "integer", "decimal", "boolean", "gYear", "date"})


def class_ancestors(name: str) -> list[str]:
    """``name`` and its superclasses, nearest first."""
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        chain.append(current)
        current = CLASS_BY_NAME[current].parent
    return chain


def property_ancestors(name: str) -> list[str]:
    """``name`` and its super-properties (``rdfs:subPropertyOf``), nearest first."""
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        chain.append(current)
        current = PROPERTY_BY_NAME[current].parent
    return chain
