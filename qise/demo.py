"""A demo data set like Xi County's (隰县), loaded through the public HTTP APIs only.

`load_demo` registers a branch (大支部) with its secretary, its communities and their
resident units with their agreements (共驻共建), the seven-color teams (one community without
an orange team, and an orange team formed by a hospital), some hundreds of volunteers (by
CSV import, as an operator would, and the units' working party members who report to the
community, 双报到), a year of activities, shared resources and their bookings (资源联享),
residents' orders through their whole lifecycle (paid ones among them: the collective's
income; hard ones escalated to the branch and served by the unit's team, 服务难题联解), the
people under care with their visits (关爱对象), and party-member life events that become
care tasks. It speaks only HTTP, so it works the same against `make run` and
against the in-process services of the tests.

What is loaded is drawn up front from `random.Random` seeded with the plan's seed, before
any request is sent, so a seed always gives the same data set (dates are relative to
today); only then do the requests run, concurrently.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal, TypeVar

import httpx

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[str, int], None]
"""`progress(step, n_done)`: called as each step advances, `n_done` counting up from 0."""

STEPS: tuple[str, ...] = (
    "branch",
    "communities",
    "volunteers",
    "teams",
    "members",
    "activities",
    "bookings",
    "orders",
    "care",
    "life_events",
)
"""The steps of `load_demo`, in the order they run (the names `progress` is called with)."""

CONCURRENCY = 8  # requests in flight at once: quick, and gentle on a laptop's SQLite
PATIENCE_SECONDS = 30.0  # how long to wait for a service to hear of what another registered
CSV_CHUNK = 100  # volunteers per import request
NOT_YET_KNOWN = "https://qise.dev/problems/not-yet-known"
CST = timezone(timedelta(hours=8), "CST")  # China Standard Time: no daylight saving
_PREFIX = re.compile(r"^[a-z][a-z0-9]{0,15}$")


# -- the plan and the result -------------------------------------------------------------


@dataclass(frozen=True)
class DemoPlan:
    """How much to load. The defaults give the figures of the source document: 21 teams,
    500 volunteers, a few hundred activities.

    `prefix` keeps data sets apart: with `prefix="t1"` the communities are `t1-longquan`, ...
    (an empty prefix gives `longquan`, `xinjian`, `nanguan`, ...).
    """

    communities: int = 3
    teams_per_color: int = 1  # per community: 7 colors x 3 communities = 21 teams
    volunteers: int = 500  # spread over the communities
    activities: int = 300
    orders: int = 200
    seed: int = 2018
    life_events: int = 20  # party members with a life event (capped by how many there are)
    prefix: str = ""
    branch: str = "城南社区大支部"  # the branch's name
    branch_id: str = "chengnan"  # its id; with a prefix, `<prefix>-chengnan`
    # Of the volunteers: working party members who report with their unit (双报到); most
    # are the hospital's staff, who form its orange team.
    unit_members: int = 8
    # Of the orders: the community without an orange team escalates these to the branch;
    # the hospital's team serves all but the last, which waits for a team.
    escalated: int = 3
    paid_orders: int = 6  # of the orders: paid services with a price, completed (income)
    care_recipients: int = 10  # people under care (关爱对象), each with visits
    bookings: int = 6  # of the shared hall and vehicle; the first two for activities

    def __post_init__(self) -> None:
        if self.prefix and not _PREFIX.match(self.prefix):
            raise ValueError("prefix: 1 to 16 lowercase letters or digits, starting with a letter")
        if not _PREFIX.match(self.branch_id):
            raise ValueError("branch_id: 1 to 16 lowercase letters or digits")
        if self.communities < 1 or self.teams_per_color < 1:
            raise ValueError("communities and teams_per_color must be at least 1")
        counts = (
            self.volunteers,
            self.activities,
            self.orders,
            self.life_events,
            self.unit_members,
            self.escalated,
            self.paid_orders,
            self.care_recipients,
            self.bookings,
        )
        if min(counts) < 0:
            raise ValueError("the counts of a plan cannot be negative")
        if self.unit_members > self.volunteers:
            raise ValueError("unit_members are counted among the volunteers: at most as many")

    @property
    def branch_key(self) -> str:
        """The branch's id as registered."""
        return f"{self.prefix}-{self.branch_id}" if self.prefix else self.branch_id


@dataclass
class DemoResult:
    """What was created: the counts the stats service should show once the events land."""

    communities: list[str]
    teams: int
    volunteers: int
    activities: int  # logged, voided ones included
    verified: int
    voided: int
    orders: int
    completed: int  # rated ones included
    rated: int
    life_events: int
    cancelled: int = 0
    branch: str = ""  # the branch's id
    agreements: int = 0  # one per resident unit
    unit_members: int = 0  # volunteers registered with their unit (双报到)
    escalated: int = 0  # orders escalated to the branch
    escalations_waiting: int = 0  # of those, still without a team
    income: float = 0.0  # the prices of the completed paid orders
    resources: int = 0
    bookings: int = 0
    care_recipients: int = 0
    visits: int = 0


class DemoError(RuntimeError):
    """A service refused part of the demo data; the message names the call and the answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of the refusal, when there was one


class DemoAlreadyLoaded(DemoError):
    """The plan's communities exist already: nothing was written."""


# -- Xi County flavour: names, places, what each kind of activity looks like -----------------

_COMMUNITIES: list[tuple[str, str]] = [
    ("longquan", "龙泉社区"),
    ("xinjian", "新建社区"),
    ("nanguan", "南关社区"),
    ("beiguan", "北关社区"),
    ("dongguan", "东关社区"),
    ("ximen", "西门社区"),
    ("zichuan", "紫川社区"),
    ("wenhua", "文化社区"),
]
_SCHOOLS = ["隰县第一小学", "隰县第二中学", "隰县特殊教育学校", "隰县职业中学", "隰县第三小学"]
_OTHER_UNITS = [
    ("隰县人民医院", "hospital"),
    ("隰县中医医院", "hospital"),
    ("隰县供电公司", "company"),
    ("隰县农商银行", "company"),
    ("隰县自然资源局", "office"),
]
_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎余潘杜戴夏田任姜范方石姚谭邹熊金陆郝孔白崔康毛秦史侯孟段雷武乔贺常牛申"
)
_GIVEN_MALE = (
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 旭 宁 龙 林 "
    "建国 建军 国强 志强 志明 海涛 晓东 文博 子豪 浩然 宇航 俊杰 卫东 振华 红军 永生"
).split()
_GIVEN_FEMALE = (
    "芳 娜 敏 静 丽 艳 娟 霞 雪 琳 慧 萍 燕 玲 洁 "
    "秀英 玉兰 桂英 秀兰 丽华 红梅 晓燕 婷婷 欣怡 雨涵 梓涵 诗琪 佳怡 淑珍 凤英 春花"
).split()
_SKILLS = (
    "医疗护理 法律咨询 文艺表演 电脑维修 理发 心理咨询 驾驶 摄影 烹饪 电商运营 柳编 布鞋制作 "
    "急救 书法 广场舞 宣传写作 水电维修 家政服务 消防 教学辅导"
).split()
_ESTATES = ["幸福小区", "紫川花园", "鑫源小区", "龙泉新村", "南关家属院", "隰州苑", "玉露园"]
_ELDER_TITLES = ["大爷", "奶奶", "阿姨", "大叔", "师傅"]


@dataclass(frozen=True)
class _Kind:
    """How one kind of activity looks: titles, people served, length, places and outputs."""

    titles: tuple[str, ...]
    served: tuple[int, int]
    hours: tuple[float, float]  # length of the activity
    places: tuple[str, ...] = ("{c}党群服务中心",)  # {c}: the community's name
    group: str | None = None  # the beneficiary group most of those served belong to
    outputs: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    trainees: bool = False  # outputs["trainees"] = people_served
    start: tuple[int, int] = (8, 16)  # hour the activity starts, from..to

    def outputs_for(self, served: int, rng: random.Random) -> dict[str, float]:
        """What an activity of this kind produced, for `served` people."""
        outputs: dict[str, float] = {k: rng.randint(lo, hi) for k, (lo, hi) in self.outputs.items()}
        if self.trainees:
            outputs["trainees"] = served
        return outputs


_KINDS: dict[str, _Kind] = {
    # red: party policy, study delivered to old party members' homes, daily services
    "policy_talk": _Kind(
        titles=("党的政策进万家宣讲", "惠民政策宣讲会", "党史知识进社区", "民法典宣讲进小区"),
        served=(30, 150),
        hours=(1, 3),
        places=("{c}党群服务中心", "{c}广场"),
        group="residents",
        outputs={"brochures": (50, 300)},
    ),
    "home_study_delivery": _Kind(
        titles=("为老党员送学上门", "送学上门进家庭", "为行动不便的老党员送学"),
        served=(1, 5),
        hours=(1, 2),
        places=("老党员家中",),
        group="party_members",
    ),
    "daily_service": _Kind(
        titles=("便民理发进小区", "家电义务维修", "为独居老人代购生活用品", "便民服务日"),
        served=(10, 60),
        hours=(2, 4),
        places=("{c}便民服务中心", "{c}广场"),
        group="residents",
    ),
    "dispute_mediation": _Kind(
        titles=("邻里纠纷调解", "物业矛盾调解", "家庭矛盾调解"),
        served=(2, 6),
        hours=(1, 3),
        places=("{c}调解室",),
    ),
    # orange: clinics, campaigns, the disabled, the elderly alone, left-behind children
    "free_clinic": _Kind(
        titles=("义诊进社区", "敬老院义诊", "重阳节义诊"),
        served=(20, 120),
        hours=(2, 4),
        places=("{c}广场", "隰县敬老院"),
        group="elderly",
        outputs={"brochures": (100, 400)},
    ),
    "health_consultation": _Kind(
        titles=("健康咨询进小区", "高血压防治咨询", "健康知识讲座"),
        served=(20, 80),
        hours=(2, 3),
        group="elderly",
        outputs={"brochures": (50, 200)},
    ),
    "street_campaign": _Kind(
        titles=("助残日街头宣传", "关爱留守儿童上街宣传", "防范电信诈骗街头宣传"),
        served=(50, 300),
        hours=(2, 4),
        places=("县城步行街", "{c}广场"),
        outputs={"brochures": (200, 1000)},
    ),
    "care_visit": _Kind(
        titles=("走访慰问孤寡老人", "关爱留守儿童", "重阳节包饺子陪老人", "慰问残疾人家庭"),
        served=(5, 30),
        hours=(2, 4),
        places=("居民家中", "{c}党群服务中心"),
        group="elderly",
        outputs={"gift_packages": (5, 30)},
    ),
    "special_school_visit": _Kind(
        titles=("为特殊教育学校儿童送温暖", "特教学校慰问演出"),
        served=(20, 60),
        hours=(2, 4),
        places=("隰县特殊教育学校",),
        group="children",
        outputs={"gift_packages": (20, 60)},
    ),
    # gold: e-commerce, crafts, jobs
    "ecommerce_training": _Kind(
        titles=("电商培训班", "农产品网上销售培训", "直播带货培训"),
        served=(20, 40),
        hours=(3, 6),
        places=("{c}党群服务中心", "县电商服务中心"),
        group="unemployed",
        trainees=True,
    ),
    "training": _Kind(
        titles=("柳编技能培训", "土疙瘩布鞋制作培训", "家政服务技能培训"),
        served=(10, 35),
        hours=(3, 6),
        group="unemployed",
        trainees=True,
    ),
    "job_placement": _Kind(
        titles=("就业招聘对接会", "创业帮扶指导", "返乡创业交流会"),
        served=(20, 80),
        hours=(2, 4),
        places=("{c}便民服务中心",),
        group="unemployed",
        outputs={"jobs_created": (1, 10)},
    ),
    # green: campaigns, performances, sanitation
    "environment_campaign": _Kind(
        titles=("环保文艺演出", "创卫环保进社区宣传", "垃圾分类宣传"),
        served=(50, 400),
        hours=(2, 3),
        places=("{c}广场",),
        outputs={"brochures": (200, 1500)},
    ),
    "sanitation_drive": _Kind(
        titles=("创卫环境整治", "清理小区卫生死角", "河道垃圾清理"),
        served=(50, 300),
        hours=(2, 4),
        places=("{c}各小区", "城区河道"),
        outputs={"garbage_bags": (10, 80)},
    ),
    # cyan: youth patrols, safety talks, emergencies
    "safety_patrol": _Kind(
        titles=("青年治安巡逻", "邻里守望安全巡查", "小区消防安全巡查"),
        served=(50, 300),
        hours=(2, 4),
        places=("{c}各小区",),
    ),
    "safety_talk": _Kind(
        titles=("安全知识进校园", "防溺水安全宣讲", "消防安全知识宣传"),
        served=(30, 200),
        hours=(1, 2),
        places=("隰县第一小学", "{c}广场"),
        outputs={"brochures": (50, 300)},
    ),
    "emergency_response": _Kind(
        titles=("护林防火值守", "防汛抢险", "暴雨应急排险"),
        served=(20, 200),
        hours=(3, 8),
        places=("城郊林区", "城区河道"),
    ),
    "youth_mentoring": _Kind(
        titles=("青少年帮教谈心", "暑期青少年法治课堂"),
        served=(5, 40),
        hours=(1, 3),
        group="youth",
    ),
    # blue: security at large events, missing people, night patrols
    "event_security": _Kind(
        titles=("大型活动安保", "庙会安全保障", "运动会安保服务"),
        served=(200, 800),
        hours=(3, 8),
        places=("县体育场", "县城步行街"),
    ),
    "missing_person_search": _Kind(
        titles=("寻找走失老人", "协助寻找走失儿童"),
        served=(1, 1),
        hours=(2, 8),
        places=("城区及周边",),
        outputs={"people_found": (1, 1)},
    ),
    "night_patrol": _Kind(
        titles=("夜间巡逻", "邻里守望夜巡"),
        served=(50, 300),
        hours=(2, 4),
        places=("{c}各小区",),
        start=(20, 21),
    ),
    # purple: performances and sports
    "performance": _Kind(
        titles=("广场舞展演", "主题文艺演出", "邻里文化节文艺汇演", "迎新春文艺演出"),
        served=(50, 500),
        hours=(2, 3),
        places=("{c}广场", "县文化广场"),
        group="residents",
        start=(9, 19),
    ),
    "sports": _Kind(
        titles=("全民健身趣味运动会", "社区篮球友谊赛", "太极拳健身展示"),
        served=(30, 200),
        hours=(2, 4),
        places=("县体育场", "{c}广场"),
    ),
}

# How often each color acts, after the counts in the source document (red and cyan most).
_COLOR_WEIGHT = {"red": 3, "orange": 3, "gold": 1, "green": 1, "cyan": 3, "blue": 1.5, "purple": 2}
_SEVEN = ("red", "orange", "gold", "green", "cyan", "blue", "purple")

_ORDER_TEXT: dict[str, tuple[str, ...]] = {
    "policy_explanation": ("想了解医保报销新政策", "咨询城乡居民养老保险缴费政策"),
    "dispute_mediation": ("楼上漏水与邻居发生纠纷，请求调解", "与物业因停车问题产生矛盾"),
    "home_study_delivery": ("老党员行动不便，希望送学上门",),
    "health_consultation": ("老人想咨询血压问题", "糖尿病饮食咨询"),
    "elderly_care": ("独居老人需要上门理发", "老人需要代购生活用品", "空巢老人需要陪护聊天"),
    "disability_support": ("残疾人需要帮助办理补贴", "轮椅需要维修"),
    "left_behind_children": ("留守儿童需要课业辅导", "留守儿童假期看护"),
    "social_assistance": ("家庭困难，咨询临时救助", "低保申请材料不会填写"),
    "entrepreneurship_training": ("想学习开网店", "想参加电商培训"),
    "job_placement": ("失业人员求职登记", "想找保洁类工作"),
    "skills_training": ("想学柳编手艺", "想参加布鞋制作培训"),
    "environment": ("小区垃圾堆放需要清理", "楼道杂物需要清理"),
    "safety_check": ("家中燃气管道安全检查", "老旧电线安全隐患排查"),
    "emergency_help": ("暴雨后地下室进水需要帮助", "老人在家摔倒需要帮助"),
    "youth_mentoring": ("孩子沉迷网络，希望帮教", "青少年心理疏导"),
    "event_security": ("小区文艺活动需要安保",),
    "missing_person": ("家中老人走失，请求协助寻找",),
    "performance": ("社区重阳活动需要文艺节目",),
    "sports": ("想组织老年门球比赛",),
}
_ORDER_WEIGHT = {"elderly_care": 4, "health_consultation": 3, "policy_explanation": 2}
_URGENT_KINDS = {"emergency_help", "missing_person"}
_CENTRALIZED_KINDS = {
    "policy_explanation",
    "entrepreneurship_training",
    "skills_training",
    "performance",
    "sports",
    "event_security",
}
_PAID_KINDS = {"elderly_care", "skills_training", "environment"}

OrderFate = Literal["assigned", "accepted", "completed", "rated", "cancelled", "waiting"]
_ORDER_FATES: list[tuple[OrderFate, float]] = [
    ("rated", 0.62),
    ("completed", 0.10),
    ("accepted", 0.10),
    ("assigned", 0.10),
    ("cancelled", 0.08),
]
_SCORES = [(5, 0.60), (4, 0.28), (3, 0.08), (2, 0.03), (1, 0.01)]
_PRAISE = ["服务热情周到", "非常满意", "态度很好，解决了问题", "来得很及时", None]

_LIFE_EVENTS: list[tuple[str, str, float]] = [
    ("ill", "身体不适在家休养", 3),
    ("hospitalized", "因病住院治疗", 3),
    ("major_difficulty", "家庭生活遇到较大困难", 2),
    ("missed_dues", "连续三个月未缴纳党费", 1),
    ("missed_org_life", "无故未参加组织生活会", 1),
    ("job_change", "工作岗位调整", 2),
    ("commended", "获评优秀志愿者", 2),
    ("disciplined", "受到党内警告处分", 0.5),
    ("negative_feedback", "群众反映服务态度问题", 1),
    ("retired", "光荣退休", 2),
]


# 共驻共建: what each kind of resident unit brings to the branch, and how it says so.
_UNIT_BRINGS: dict[str, tuple[tuple[str, ...], str]] = {
    "school": (
        ("volunteers", "venues"),
        "开放礼堂和操场供社区活动使用，教师党员到社区报到开展课业辅导",
    ),
    "hospital": (
        ("volunteers", "services", "vehicles"),
        "组建医护志愿服务队，定期义诊，为独居老人上门服务，提供爱心接送车",
    ),
    "company": (("volunteers", "funds"), "在职党员到社区报到，每年资助社区困难家庭"),
    "office": (("volunteers", "services"), "在职党员到社区报到，开展政策宣讲和法律咨询"),
}
_UNIT_SKILLS = {
    "hospital": ("医疗护理", "急救", "心理咨询"),
    "school": ("教学辅导", "书法", "文艺表演"),
}
_CARE_KINDS: list[tuple[str, float]] = [
    ("elderly_alone", 5),
    ("disabled", 2),
    ("left_behind_child", 2),
    ("family_in_difficulty", 1),
]
_CARE_NOTES = {
    "elderly_alone": ("独居，子女在外地工作", "老伴去世，一人居住，患高血压"),
    "disabled": ("肢体残疾，行动不便", "视力残疾，需要帮助购物"),
    "left_behind_child": ("父母在外务工，随祖母生活", "父母外出打工，由爷爷照看"),
    "family_in_difficulty": ("因病致困，需要定期关心", "家中主要劳动力受伤"),
}
_VISIT_NOTES = (
    "陪老人聊天，检查用药情况",
    "帮助打扫卫生，代购生活用品",
    "测量血压，身体状况良好",
    "辅导作业，了解学习情况",
    "送去米面油，了解生活需求",
    None,
)
_ESCALATION_TEXT = (
    "独居老人需要上门理发和测量血压",
    "老人行动不便，需要陪同到医院复查",
    "空巢老人需要定期上门陪护",
)
_ESCALATION_REASON = "本社区没有橙色关爱服务队，无法上门服务，提请大支部协调"


def _weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _address(rng: random.Random) -> str:
    """A flat in one of the county town's estates: building, entrance, floor and door."""
    return (
        f"{rng.choice(_ESTATES)}{rng.randint(1, 12)}号楼"
        f"{rng.randint(1, 4)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}"
    )


def _half_hours(rng: random.Random, low: float, high: float) -> float:
    """A length in half hours between low and high."""
    return rng.randint(round(low * 2), round(high * 2)) / 2


# -- the data set, drawn before anything is sent -------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    """What the running system offers: it may differ from the defaults."""

    categories: tuple[tuple[str, str], ...]  # (code, name), from the registry
    activity_kinds: Mapping[str, tuple[tuple[str, str], ...]]  # category -> (code, name)
    fallback_kind: tuple[str, str] | None  # for a category without its own kinds
    service_kinds: tuple[tuple[str, str], ...]  # (code, category), the routing table

    @classmethod
    def default(cls) -> _Catalogue:
        """The seven colors of the source document; enough to count what a plan makes."""
        names = ("红色先锋", "橙色关爱", "金色创业", "绿色环保", "青色应急", "蓝色平安", "紫色文体")
        return cls(tuple(zip(_SEVEN, names, strict=True)), {}, ("other", "其他服务"), ())


@dataclass(frozen=True)
class _Community:
    id: str
    name: str
    units: tuple[tuple[str, str], ...]  # resident units: (name, kind)


@dataclass(frozen=True)
class _Volunteer:
    community_id: str
    name: str
    phone: str
    gender: str
    birth_year: int
    skills: tuple[str, ...]
    party_joined_on: date | None
    unit: str | None = None  # the resident unit's name, for a working party member (双报到)


@dataclass(frozen=True)
class _Team:
    community_id: str
    category: str
    name: str
    members: tuple[str, ...]  # phones; the leader among them
    leader: str | None
    unit: str | None = None  # the resident unit that formed it, by name


@dataclass(frozen=True)
class _Activity:
    team: int  # index into the teams
    body: dict[str, Any]  # POST /activities without team_id and volunteer ids
    participants: tuple[tuple[str, float], ...]  # (phone, hours)
    fate: Literal["logged", "verified", "voided"]


@dataclass(frozen=True)
class _Order:
    body: dict[str, Any]  # POST /requests
    team: int  # the team to assign it to if the requests service could not route it yet
    fate: OrderFate
    score: int
    comment: str | None
    # Escalated to the branch, then given to `team` (of another community) unless waiting.
    escalate: Literal["served", "waiting"] | None = None


@dataclass(frozen=True)
class _Resource:
    community_id: str
    unit: str  # the resident unit that offers it, by name
    body: dict[str, Any]  # POST /resources without owner_unit_id


@dataclass(frozen=True)
class _Booking:
    resource: int  # index into the resources
    body: dict[str, Any]  # POST /resources/{id}/bookings without activity_id
    activity: int | None  # index into the activities


@dataclass(frozen=True)
class _Visit:
    body: dict[str, Any]  # POST /care-recipients/{id}/visits without team and volunteer ids
    team: int | None
    phone: str | None  # the visiting volunteer


@dataclass(frozen=True)
class _CareRecipient:
    body: dict[str, Any]  # POST /care-recipients without team_id
    team: int | None  # the responsible orange team
    visits: tuple[_Visit, ...]


@dataclass(frozen=True)
class _LifeEvent:
    phone: str
    body: dict[str, Any]  # POST /volunteers/{id}/life-events


@dataclass(frozen=True)
class _DataSet:
    branch: dict[str, Any]  # POST /branches
    communities: tuple[_Community, ...]
    agreements: Mapping[str, dict[str, Any]]  # unit name -> POST .../agreements
    volunteers: tuple[_Volunteer, ...]
    teams: tuple[_Team, ...]
    activities: tuple[_Activity, ...]
    resources: tuple[_Resource, ...]
    bookings: tuple[_Booking, ...]
    orders: tuple[_Order, ...]
    care: tuple[_CareRecipient, ...]
    life_events: tuple[_LifeEvent, ...]

    def memberships(self) -> list[tuple[int, str]]:
        """(team, phone) for every member but the leader, who joins with the team."""
        return [(i, p) for i, t in enumerate(self.teams) for p in t.members if p != t.leader]


def _draw(plan: DemoPlan, catalogue: _Catalogue, now: datetime) -> _DataSet:
    """The whole data set for a plan: the same seed gives the same data (relative to now).

    Each part draws from its own generator, so changing one count leaves the others alone.
    """

    def rng(part: str) -> random.Random:
        return random.Random(f"{plan.seed}/{part}")

    today = now.astimezone(CST).date()
    communities = _draw_communities(plan)
    volunteers = _draw_volunteers(
        plan.volunteers - plan.unit_members, communities, rng("volunteers"), now.date()
    ) + _draw_unit_members(plan, communities, rng("unit_members"), today)
    teams = _draw_teams(plan, catalogue, communities, volunteers, rng("teams"))
    names = {c.id: c.name for c in communities}
    resources, bookings, booked = _draw_resources(
        plan, catalogue, communities, teams, rng("bookings"), today
    )
    activities = _draw_activities(
        replace(plan, activities=plan.activities - len(booked)),
        catalogue,
        teams,
        names,
        rng("activities"),
        now,
    )
    bookings = tuple(
        replace(b, activity=len(activities) + b.activity) if b.activity is not None else b
        for b in bookings
    )
    return _DataSet(
        _draw_branch(plan, rng("branch")),
        communities,
        _draw_agreements(communities, today),
        volunteers,
        teams,
        activities + booked,
        resources,
        bookings,
        _draw_orders(plan, catalogue, communities, teams, rng("orders")),
        _draw_care(plan, catalogue, communities, teams, rng("care"), today),
        _draw_life_events(plan, volunteers, rng("life_events"), now.date()),
    )


def _draw_branch(plan: DemoPlan, rng: random.Random) -> dict[str, Any]:
    """The branch with its secretary (大支部书记)."""
    return {
        "id": plan.branch_key,
        "name": plan.branch,
        "secretary_name": rng.choice(_SURNAMES[:20]) + rng.choice(_GIVEN_MALE[-16:]),
        "secretary_phone": f"139{rng.randrange(10**8):08d}",
    }


def _draw_agreements(communities: Sequence[_Community], today: date) -> dict[str, dict[str, Any]]:
    """Each resident unit's agreement with the branch (共驻共建): what it brings, for a year
    that began at the start of this year's second quarter or the last."""
    start = (
        date(today.year, 4, 1) if today >= date(today.year, 4, 1) else date(today.year - 1, 4, 1)
    )
    end = date(start.year + 1, 3, 31)
    result = {}
    for community in communities:
        for name, kind in community.units:
            brings, description = _UNIT_BRINGS.get(kind, (("volunteers",), "在职党员到社区报到"))
            result[name] = {
                "brings": list(brings),
                "description": description,
                "starts_on": start.isoformat(),
                "ends_on": end.isoformat(),
            }
    return result


def _draw_communities(plan: DemoPlan) -> tuple[_Community, ...]:
    """The communities of the branch, each with a school and one more resident unit."""
    result = []
    for i in range(plan.communities):
        slug, name = (
            _COMMUNITIES[i] if i < len(_COMMUNITIES) else (f"shequ{i + 1}", f"第{i + 1}社区")
        )
        units = ((_SCHOOLS[i % len(_SCHOOLS)], "school"), _OTHER_UNITS[i % len(_OTHER_UNITS)])
        result.append(_Community(f"{plan.prefix}-{slug}" if plan.prefix else slug, name, units))
    return tuple(result)


def _draw_volunteers(
    count: int, communities: Sequence[_Community], rng: random.Random, today: date
) -> tuple[_Volunteer, ...]:
    phones = rng.sample(range(10**8), count)  # unique: 139 and eight digits
    result = []
    for i, number in enumerate(phones):
        gender = rng.choice(("male", "female"))
        given = _GIVEN_MALE if gender == "male" else _GIVEN_FEMALE
        born = rng.randint(1950, 2005)
        joined = None
        if rng.random() < 0.3:  # about 30% party members, joined after they turned 18
            first = date(born + 19, 1, 1)
            if rng.random() < 0.2:  # many join on the party's birthday
                joined = date(rng.randint(born + 19, today.year - 1), 7, 1)
            else:
                last = today - timedelta(days=30)
                joined = first + timedelta(days=rng.randint(0, (last - first).days))
        result.append(
            _Volunteer(
                communities[i % len(communities)].id,
                rng.choice(_SURNAMES) + rng.choice(given),
                f"139{number:08d}",
                gender,
                born,
                tuple(rng.sample(_SKILLS, rng.randint(0, 3))),
                joined,
            )
        )
    return tuple(result)


_HOSPITAL = _OTHER_UNITS[0][0]  # the unit whose staff form an orange team
CARE_CATEGORY = "orange"  # the color that looks after people and serves elderly care


def _without_orange(communities: Sequence[_Community]) -> _Community | None:
    """The community with no orange team of its own (the last, when there are two or more):
    its hard orders go to the branch."""
    return communities[-1] if len(communities) >= 2 else None


def _draw_unit_members(
    plan: DemoPlan, communities: Sequence[_Community], rng: random.Random, today: date
) -> tuple[_Volunteer, ...]:
    """Working party members of resident units, registered where their unit is (双报到):
    three in four of the hospital, who form its orange team, the others of a school."""
    hospital = communities[0]
    school = communities[1] if len(communities) > 1 else communities[0]
    phones = rng.sample(range(10**8), plan.unit_members)  # 137 and eight digits
    result = []
    for i, number in enumerate(phones):
        of_hospital = i < plan.unit_members - plan.unit_members // 4
        community = hospital if of_hospital else school
        unit = _HOSPITAL if of_hospital else community.units[0][0]
        gender = rng.choice(("male", "female"))
        born = rng.randint(1968, 1996)
        first = date(born + 22, 1, 1)
        joined = first + timedelta(days=rng.randint(0, (today - timedelta(days=60) - first).days))
        skills = _UNIT_SKILLS["hospital" if of_hospital else "school"]
        result.append(
            _Volunteer(
                community.id,
                rng.choice(_SURNAMES)
                + rng.choice(_GIVEN_MALE if gender == "male" else _GIVEN_FEMALE),
                f"137{number:08d}",
                gender,
                born,
                tuple(rng.sample(skills, rng.randint(1, 2))),
                joined,
                unit,
            )
        )
    return tuple(result)


def _draw_teams(
    plan: DemoPlan,
    catalogue: _Catalogue,
    communities: Sequence[_Community],
    volunteers: Sequence[_Volunteer],
    rng: random.Random,
) -> tuple[_Team, ...]:
    """Teams per community and color; each volunteer joins one or two of their community's.

    Volunteers are dealt round the teams first, so every team gets members before any gets
    a second helping; the leader is a party member where the team has one.
    """
    ordinals = "一二三四五六七八九十"
    teams: list[_Team] = []
    party = {v.phone for v in volunteers if v.party_joined_on is not None}
    lacking = _without_orange(communities)
    for community in communities:
        slots = [
            (code, f"{community.name}{name}服务{'' if k == 0 else ordinals[k % 10]}队")
            for code, name in catalogue.categories
            for k in range(plan.teams_per_color)
            if not (community == lacking and code == CARE_CATEGORY)
        ]
        members: list[list[str]] = [[] for _ in slots]
        ours = [v for v in volunteers if v.community_id == community.id and v.unit is None]
        # the school's working party members join the community's first team (red)
        members[0] += [
            v.phone
            for v in volunteers
            if v.community_id == community.id and v.unit and v.unit != _HOSPITAL
        ]
        for j, volunteer in enumerate(ours):
            first = j % len(slots)
            members[first].append(volunteer.phone)
            if rng.random() < 0.4 and len(slots) > 1:
                second = rng.choice([k for k in range(len(slots)) if k != first])
                members[second].append(volunteer.phone)
        for (code, name), people in zip(slots, members, strict=True):
            leader = next((p for p in people if p in party), people[0] if people else None)
            teams.append(_Team(community.id, code, name, tuple(people), leader))
    staff = [v.phone for v in volunteers if v.unit == _HOSPITAL]
    color = dict(catalogue.categories).get(CARE_CATEGORY)
    if staff and color:  # the hospital's own orange team, serving the whole branch
        name = f"{_HOSPITAL}{color}志愿服务队"
        teams.append(
            _Team(communities[0].id, CARE_CATEGORY, name, tuple(staff), staff[0], _HOSPITAL)
        )
    return tuple(teams)


def _draw_activities(
    plan: DemoPlan,
    catalogue: _Catalogue,
    teams: Sequence[_Team],
    community_names: Mapping[str, str],
    rng: random.Random,
    now: datetime,
) -> tuple[_Activity, ...]:
    """Activities over the last twelve months, each of a kind that suits its team's color."""
    able = [i for i, t in enumerate(teams) if t.members]
    if not able:
        return ()
    weights = [_COLOR_WEIGHT.get(teams[i].category, 1.0) for i in able]
    today = now.astimezone(CST).date()
    result = []
    for _ in range(plan.activities):
        team_index = rng.choices(able, weights)[0]
        team = teams[team_index]
        kinds = catalogue.activity_kinds.get(team.category) or (
            (catalogue.fallback_kind,) if catalogue.fallback_kind else ()
        )
        if not kinds:
            continue
        code, kind_name = rng.choice(kinds)
        kind = _KINDS.get(code) or _Kind((f"{kind_name}志愿服务",), (5, 50), (1, 3))
        day = today - timedelta(days=rng.randint(1, 365))  # ended before today: never "future"
        length = _half_hours(rng, *kind.hours)
        start = datetime(day.year, day.month, day.day, rng.randint(*kind.start), tzinfo=CST)
        start += timedelta(minutes=rng.choice((0, 30)))
        crew = rng.sample(team.members, min(len(team.members), rng.randint(2, 8)))
        hours = tuple((p, _half_hours(rng, max(0.5, length / 2), length)) for p in crew)
        served = rng.randint(*kind.served)
        outputs = kind.outputs_for(served, rng)
        beneficiaries = {kind.group: round(served * rng.uniform(0.5, 1.0))} if kind.group else {}
        roll = rng.random()
        fate: Literal["logged", "verified", "voided"] = (
            "voided" if roll < 0.03 else "verified" if roll < 0.73 else "logged"
        )
        body = {
            "community_id": team.community_id,
            "kind": code,
            "title": rng.choice(kind.titles),
            "started_at": start.isoformat(),
            "ended_at": (start + timedelta(hours=length)).isoformat(),
            "location": rng.choice(kind.places).format(c=community_names[team.community_id]),
            "people_served": served,
            "beneficiaries": beneficiaries,
            "outputs": outputs,
        }
        result.append(_Activity(team_index, body, hours, fate))
    return tuple(result)


def _draw_orders(
    plan: DemoPlan,
    catalogue: _Catalogue,
    communities: Sequence[_Community],
    teams: Sequence[_Team],
    rng: random.Random,
) -> tuple[_Order, ...]:
    """Residents' orders; only of kinds some team of the community can serve, but for the
    first `plan.escalated`: elderly care in the community without an orange team, escalated
    to the branch; then `plan.paid_orders` paid services, completed."""
    surnames = _SURNAMES[:40]  # the commonest
    resident_phones = rng.sample(range(10**8), plan.orders)
    lacking = _without_orange(communities)
    helpers = sorted(
        (k for k, t in enumerate(teams) if t.category == CARE_CATEGORY and t.members),
        key=lambda k: teams[k].unit is None,  # the hospital's team first
    )
    care_kinds = [code for code, c in catalogue.service_kinds if c == CARE_CATEGORY]
    care_kinds.sort(key=lambda code: code != "elderly_care")
    escalated = min(plan.escalated, plan.orders) if lacking and helpers and care_kinds else 0
    paid_orders = min(plan.paid_orders, plan.orders - escalated)
    result = []
    for i in range(plan.orders):
        community = communities[i % len(communities)]
        teams_of = {
            c: [
                k for k, t in enumerate(teams) if t.community_id == community.id and t.category == c
            ]
            for c, _ in catalogue.categories
        }
        kinds = [(code, c) for code, c in catalogue.service_kinds if teams_of.get(c)]
        escalate: Literal["served", "waiting"] | None = None
        description = None
        fate: OrderFate
        if i < escalated:
            assert lacking is not None
            community, escalate = lacking, "served" if i < escalated - 1 else "waiting"
            code, category = care_kinds[0], CARE_CATEGORY
            description = _ESCALATION_TEXT[i % len(_ESCALATION_TEXT)]
            team, fate, paid = helpers[0], "rated", False
        else:
            paying = [(code, c) for code, c in kinds if code in _PAID_KINDS]
            if i < escalated + paid_orders and paying:
                code, category = rng.choice(paying)
                paid, fate = True, "rated" if rng.random() < 0.7 else "completed"
            elif kinds:
                code, category = rng.choices(kinds, [_ORDER_WEIGHT.get(k, 1) for k, _ in kinds])[0]
                paid = code in _PAID_KINDS and rng.random() < 0.3
                fate = _weighted(rng, _ORDER_FATES)
            else:
                continue
            team = rng.choice(teams_of[category])
        body: dict[str, Any] = {
            "community_id": community.id,
            "service_kind": code,
            "description": description or rng.choice(_ORDER_TEXT.get(code, ("需要志愿服务",))),
            "resident": {
                "name": rng.choice(surnames) + rng.choice(_ELDER_TITLES),
                "phone": f"{rng.choice((135, 136, 138, 150, 158, 186))}{resident_phones[i]:08d}",
                "address": _address(rng),
            },
            "channel": _weighted(
                rng, [("walk_in", 35), ("phone", 35), ("online", 25), ("county_platform", 5)]
            ),
            "mode": "centralized" if code in _CENTRALIZED_KINDS else "door_to_door",
            "paid": paid,
            "urgency": "urgent" if code in _URGENT_KINDS or rng.random() < 0.1 else "normal",
        }
        if paid:
            body["price"] = rng.choice((10, 20, 30, 50))
        result.append(
            _Order(
                body,
                team,
                fate,
                _weighted(rng, _SCORES),
                rng.choice(_PRAISE),
                escalate,
            )
        )
    return tuple(result)


def _day_before(day: date, weekday: int) -> date:
    """The last `weekday` (1 Monday ... 7 Sunday) on or before `day`."""
    return day - timedelta(days=(day.isoweekday() - weekday) % 7)


def _day_after(day: date, weekday: int) -> date:
    """The first `weekday` on or after `day`."""
    return day + timedelta(days=(weekday - day.isoweekday()) % 7)


def _at(day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)


# The bookings of the shared hall (0) and vehicle (1): (resource, when, from, to, purpose,
# the activity it is for: (category, kind, title, from, to) or None). `when` is a day
# relative to today: ("past", weekday) the last such day at least two days ago, ("next",
# weekday) the first at least three days ahead.
_BOOKINGS: list[
    tuple[int, tuple[str, int], str, str, str, tuple[str, str, str, str, str] | None]
] = [
    (0, ("past", 6), "13:30", "17:00", "邻里文化节文艺汇演",
     ("purple", "performance", "邻里文化节文艺汇演", "14:00", "16:30")),
    (0, ("past", 7), "08:30", "11:30", "党的政策进万家宣讲会",
     ("red", "policy_talk", "党的政策进万家宣讲", "09:00", "11:00")),
    (1, ("past", 2), "08:30", "11:30", "接送独居老人到县医院体检", None),
    (0, ("next", 6), "09:00", "11:30", "大支部联席会议暨共驻共建推进会", None),
    (1, ("next", 3), "14:00", "16:30", "接送行动不便的老党员参加主题党日", None),
    (0, ("next", 7), "14:30", "17:00", "青少年书法班结业展示", None),
]  # fmt: skip


def _draw_resources(
    plan: DemoPlan,
    catalogue: _Catalogue,
    communities: Sequence[_Community],
    teams: Sequence[_Team],
    rng: random.Random,
    today: date,
) -> tuple[tuple[_Resource, ...], tuple[_Booking, ...], tuple[_Activity, ...]]:
    """A school's hall and the hospital's vehicle, shared with the branch (资源联享), and
    their bookings by the other communities; the first two bookings are for activities
    (`_Booking.activity` indexes the activities answered here)."""
    home = communities[0]
    school, hospital = home.units[0][0], home.units[1][0]
    weekdays = [{"weekday": d, "from": "18:30", "to": "21:30"} for d in range(1, 6)]
    weekend = [{"weekday": d, "from": "08:00", "to": "18:00"} for d in (6, 7)]
    resources = (
        _Resource(
            home.id,
            school,
            {
                "community_id": home.id,
                "kind": "hall",
                "name": f"{school}礼堂",
                "description": "可容纳300人，有舞台、音响和投影；平日晚间和周末对大支部各社区开放",
                "capacity": 300,
                "availability": weekdays + weekend,
                "shared_with_branch": True,
            },
        ),
        _Resource(
            home.id,
            hospital,
            {
                "community_id": home.id,
                "kind": "vehicle",
                "name": f"{hospital}爱心接送车",
                "description": "七座商务车，工作日接送行动不便的老人就医、体检",
                "capacity": 7,
                "availability": [
                    {"weekday": d, "from": "08:00", "to": "17:00"} for d in range(1, 6)
                ],
                "shared_with_branch": True,
            },
        ),
    )
    bookers = communities[1:] or communities[:1]
    bookings: list[_Booking] = []
    activities: list[_Activity] = []
    for i in range(plan.bookings):
        resource, (when, weekday), start, end, purpose, used_for = _BOOKINGS[i % len(_BOOKINGS)]
        rounds = i // len(_BOOKINGS)
        if when == "past":
            day = _day_before(today - timedelta(days=2), weekday) - timedelta(days=14 * rounds)
        else:
            day = _day_after(today + timedelta(days=3), weekday) + timedelta(days=7 * rounds)
        community = bookers[i % len(bookers)]
        body = {
            "community_id": community.id,
            "starts_at": _at(day, start).isoformat(),
            "ends_at": _at(day, end).isoformat(),
            "purpose": purpose,
        }
        activity = None
        if used_for and rounds == 0 and len(activities) < plan.activities:
            drawn = _booked_activity(
                catalogue, teams, community, used_for, resources[resource], day, rng
            )
            if drawn is not None:
                activity = len(activities)
                activities.append(drawn)
        bookings.append(_Booking(resource, body, activity))
    return resources, tuple(bookings), tuple(activities)


def _booked_activity(
    catalogue: _Catalogue,
    teams: Sequence[_Team],
    community: _Community,
    used_for: tuple[str, str, str, str, str],
    resource: _Resource,
    day: date,
    rng: random.Random,
) -> _Activity | None:
    """The activity a booking is for, by the booking community's team of its color."""
    category, wanted, title, start, end = used_for
    team = next(
        (
            k
            for k, t in enumerate(teams)
            if t.community_id == community.id and t.category == category and t.members
        ),
        None,
    )
    kinds = catalogue.activity_kinds.get(category, ())
    if team is None or not kinds:
        return None
    code = next((c for c, _ in kinds if c == wanted), kinds[0][0])
    kind = _KINDS.get(code) or _Kind((title,), (30, 200), (2, 3))
    started, ended = _at(day, start), _at(day, end)
    length = (ended - started).total_seconds() / 3600
    crew = rng.sample(teams[team].members, min(len(teams[team].members), rng.randint(3, 6)))
    served = rng.randint(*kind.served)
    outputs = kind.outputs_for(served, rng)
    body = {
        "community_id": community.id,
        "kind": code,
        "title": title,
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat(),
        "location": resource.body["name"],
        "people_served": served,
        "beneficiaries": {kind.group: round(served * 0.8)} if kind.group else {},
        "outputs": outputs,
    }
    return _Activity(team, body, tuple((p, length) for p in crew), "verified")


def _draw_care(
    plan: DemoPlan,
    catalogue: _Catalogue,
    communities: Sequence[_Community],
    teams: Sequence[_Team],
    rng: random.Random,
    today: date,
) -> tuple[_CareRecipient, ...]:
    """People under care (关爱对象), registered with their consent, each with a weekly or
    fortnightly visit plan and the visits made since; one in three is visited no more (so
    overdue), and one in the community without an orange team has nobody yet."""
    lacking = _without_orange(communities)
    orange = {
        c.id: [
            k
            for k, t in enumerate(teams)
            if t.community_id == c.id and t.category == CARE_CATEGORY and t.members
        ]
        for c in communities
    }
    cared = [c for c in communities if orange[c.id]]
    kinds = [k for k, _ in _CARE_KINDS]
    phones = rng.sample(range(10**8), plan.care_recipients)
    yesterday = today - timedelta(days=1)
    result = []
    for i in range(plan.care_recipients):
        unserved = lacking is not None and i == plan.care_recipients - 1 and i >= 2
        if not cared and not unserved:
            break
        community = lacking if unserved else cared[i % len(cared)]
        assert community is not None
        kind = kinds[i] if i < len(kinds) else _weighted(rng, _CARE_KINDS)
        given = rng.choice(_GIVEN_MALE if rng.random() < 0.4 else _GIVEN_FEMALE)
        plan_days = rng.choice((7, 7, 14))
        since = today - timedelta(days=rng.randint(28, 84))
        team = None if unserved else rng.choice(orange[community.id])
        body: dict[str, Any] = {
            "community_id": community.id,
            "name": rng.choice(_SURNAMES) + given,
            "phone": f"{rng.choice((130, 131, 155, 156, 177))}{phones[i]:08d}",
            "address": _address(rng),
            "kind": kind,
            "consent": True,
            "consent_on": (since - timedelta(days=rng.randint(0, 7))).isoformat(),
            "under_care_since": since.isoformat(),
            "plan_days": plan_days,
            "notes": rng.choice(_CARE_NOTES.get(kind, ("",))) or None,
        }
        visits: list[_Visit] = []
        # one in three stopped being visited: their next visit is past due
        last_day = yesterday - timedelta(days=plan_days + 3) if i % 3 == 2 else yesterday
        day = since
        while team is not None:
            late = rng.random() < 0.15
            day += timedelta(days=plan_days + (rng.randint(2, 5) if late else rng.randint(-2, 0)))
            if day > last_day:
                break
            members = teams[team].members
            note = rng.choice(_VISIT_NOTES)
            visit = {"visited_on": day.isoformat(), **({"note": note} if note else {})}
            visits.append(_Visit(visit, team, rng.choice(members) if members else None))
        if team is not None and last_day == yesterday:
            # visited, on time or late, lately: the last visit is within the plan's days of today
            last = date.fromisoformat(visits[-1].body["visited_on"]) if visits else since
            if last + timedelta(days=plan_days) < today:
                visit = {"visited_on": yesterday.isoformat(), "note": "上门走访，了解近况"}
                members = teams[team].members
                visits.append(_Visit(visit, team, rng.choice(members) if members else None))
        result.append(_CareRecipient(body, team, tuple(visits)))
    return tuple(result)


def _draw_life_events(
    plan: DemoPlan, volunteers: Sequence[_Volunteer], rng: random.Random, today: date
) -> tuple[_LifeEvent, ...]:
    party = [v for v in volunteers if v.party_joined_on is not None]
    chosen = rng.sample(party, min(plan.life_events, len(party)))
    result = []
    for volunteer in chosen:
        kind, note = _weighted(rng, [((k, n), w) for k, n, w in _LIFE_EVENTS])
        # at least a day ago: the registry checks "not in the future" against UTC's date
        occurred = today - timedelta(days=rng.randint(1, 20))
        body = {"kind": kind, "occurred_on": occurred.isoformat(), "note": note}
        result.append(_LifeEvent(volunteer.phone, body))
    return tuple(result)


def planned_totals(plan: DemoPlan = DemoPlan()) -> dict[str, int]:
    """How many items each step of `load_demo` will count, for progress bars.

    Exact when the deployment has the seven default categories.
    """
    data = _draw(plan, _Catalogue.default(), datetime.now(CST))
    return {
        "branch": 1,
        "communities": plan.communities,
        "volunteers": len(data.volunteers),
        "teams": len(data.teams),
        "members": len(data.memberships()),
        "activities": len(data.activities),
        "bookings": len(data.resources) + len(data.bookings),
        "orders": plan.orders,  # the default catalogue has no routing table to draw from
        "care": plan.care_recipients,  # people registered (their visits are not counted)
        "life_events": len(data.life_events),
    }


# -- talking to the services ------------------------------------------------------------


def _not_yet_known(response: httpx.Response) -> bool:
    """The service has not heard of a team, volunteer or community yet: retry shortly."""
    if response.status_code != 422:
        return False
    try:
        return bool(response.json().get("type") == NOT_YET_KNOWN)
    except ValueError:
        return False


def _any_422(response: httpx.Response) -> bool:
    return response.status_code == 422


class _Api:
    """The services as one admin sees them: every call checks its answer."""

    def __init__(
        self, client_for: Callable[[str], httpx.AsyncClient], headers: Mapping[str, str] | None
    ) -> None:
        self._client_for = client_for
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._headers = dict(headers or {})

    def _client(self, service: str) -> httpx.AsyncClient:
        if service not in self._clients:
            self._clients[service] = self._client_for(service)
        return self._clients[service]

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        retry: Callable[[httpx.Response], bool] = _not_yet_known,
        **kwargs: Any,
    ) -> Any:
        """The JSON answer of a 2xx; retries while `retry` says the news is on its way,
        for up to PATIENCE_SECONDS; else DemoError naming the call and the answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PATIENCE_SECONDS
        while True:
            response = await self._client(service).request(
                method, path, headers=self._headers, **kwargs
            )
            if response.is_success:
                return response.json() if response.content else None
            if retry(response) and loop.time() < deadline:
                await asyncio.sleep(min(float(response.headers.get("retry-after", 1)), 1.0))
                continue
            raise DemoError(
                f"{method} {path} on {service}: {response.status_code} {response.text[:500]}",
                response.status_code,
            )

    async def get_all(self, service: str, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
            page = await self.call(service, "GET", path, params=query)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


async def _each(
    step: str,
    items: Sequence[T],
    work: Callable[[T], Awaitable[R]],
    progress: Progress,
    count: Callable[[R], int] = lambda _: 1,
) -> list[R]:
    """`work` on every item, CONCURRENCY at a time, reporting progress; the first failure
    cancels the rest and is raised as it is."""
    limit = asyncio.Semaphore(CONCURRENCY)
    done = 0
    progress(step, 0)

    async def one(item: T) -> R:
        nonlocal done
        async with limit:
            result = await work(item)
        done += count(result)
        progress(step, done)
        return result

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


# -- loading, step by step ----------------------------------------------------------------


async def load_demo(
    client_for: Callable[[str], httpx.AsyncClient],
    plan: DemoPlan = DemoPlan(),
    progress: Progress | None = None,
    *,
    headers: Mapping[str, str] | None = None,
) -> DemoResult:
    """Load a Xi-County-like data set through the public APIs; return what was created.

    `client_for(name)` gives an `httpx.AsyncClient` aimed at the service "registry",
    "activities" or "requests", normally carrying a county_admin `Authorization` header; it
    is called once per service and the clients are not closed here. `headers`, when given,
    go along with every request (for clients without them, as in the tests). `progress` is
    called as `progress(step, n_done)` for the steps of `STEPS` (totals: `planned_totals`).

    If any of the plan's communities exists already, nothing is written and
    `DemoAlreadyLoaded` says so: loading twice would double every figure on the dashboard.
    Load another set beside it with `DemoPlan(prefix="...")`.
    """
    api = _Api(client_for, headers)
    report = progress or (lambda step, n: None)
    communities = [c.id for c in _draw_communities(plan)]
    await _refuse_if_loaded(api, plan, communities)
    data = _draw(plan, await _catalogue(api), datetime.now(CST))

    await _each("branch", [data.branch], lambda b: _create_branch(api, b), report)
    created = await _each(
        "communities", data.communities, lambda c: _create_community(api, plan, c), report
    )
    unit_ids = {name: unit for units in created for name, unit in units.items()}
    for name, agreement in data.agreements.items():
        path = f"/resident-units/{unit_ids[name]}/agreements"
        await api.call("registry", "POST", path, json=agreement)
    volunteer_ids = await _import_volunteers(api, data, unit_ids, report)
    team_ids = await _register_teams(api, data, volunteer_ids, unit_ids, report)

    async def join(membership: tuple[int, str]) -> None:
        team, phone = membership
        body = {"volunteer_id": volunteer_ids[phone]}
        await api.call("registry", "POST", f"/teams/{team_ids[team]}/members", json=body)

    await _each("members", data.memberships(), join, report)
    logged = await _each(
        "activities",
        data.activities,
        lambda a: _log_activity(api, a, team_ids, volunteer_ids),
        report,
    )
    fates = [fate for fate, _ in logged]
    bookings = await _share_resources(api, data, [i for _, i in logged], unit_ids, report)
    outcomes = await _each("orders", data.orders, lambda o: _serve_order(api, o, team_ids), report)
    visits = await _each(
        "care", data.care, lambda c: _register_care(api, c, team_ids, volunteer_ids), report
    )

    async def record(event: _LifeEvent) -> None:
        path = f"/volunteers/{volunteer_ids[event.phone]}/life-events"
        await api.call("registry", "POST", path, json=event.body)

    await _each("life_events", data.life_events, record, report)

    activity_fates, order_fates = Counter(fates), Counter(outcomes)
    done = ("completed", "rated")
    return DemoResult(
        communities=communities,
        teams=len(team_ids),
        volunteers=len(volunteer_ids),
        activities=len(fates),
        verified=activity_fates["verified"],
        voided=activity_fates["voided"],
        orders=len(outcomes),
        completed=order_fates["completed"] + order_fates["rated"],
        rated=order_fates["rated"],
        life_events=len(data.life_events),
        cancelled=order_fates["cancelled"],
        branch=plan.branch_key,
        agreements=len(data.agreements),
        unit_members=sum(v.unit is not None for v in data.volunteers),
        escalated=sum(o.escalate is not None for o in data.orders),
        escalations_waiting=order_fates["waiting"],
        income=sum(
            float(o.body.get("price") or 0)
            for o, fate in zip(data.orders, outcomes, strict=True)
            if fate in done
        ),
        resources=len(data.resources),
        bookings=bookings,
        care_recipients=len(data.care),
        visits=sum(visits),
    )


async def _refuse_if_loaded(api: _Api, plan: DemoPlan, communities: Sequence[str]) -> None:
    """Check before writing anything, so a second run leaves the first intact."""
    existing = {c["id"] for c in await api.get_all("registry", "/communities")}
    clash = sorted(existing.intersection(communities))
    if any(b["id"] == plan.branch_key for b in await api.get_all("registry", "/branches")):
        clash.insert(0, f"branch {plan.branch_key}")
    if clash:
        raise DemoAlreadyLoaded(
            f"the demo data is already loaded ({', '.join(clash)} exist); "
            "load another set beside it with a prefix, or start from empty databases"
        )


async def _catalogue(api: _Api) -> _Catalogue:
    """The categories, activity kinds and routing table this deployment has."""
    categories = await api.call("registry", "GET", "/categories")
    kinds = await api.call("activities", "GET", "/activity-kinds")
    routing = await api.call("requests", "GET", "/service-kinds")
    by_category: dict[str, list[tuple[str, str]]] = {}
    for kind in kinds:
        if kind["category_hint"]:
            by_category.setdefault(kind["category_hint"], []).append((kind["code"], kind["name"]))
    other = next(((k["code"], k["name"]) for k in kinds if k["category_hint"] is None), None)
    return _Catalogue(
        tuple((c["code"], c["name"]) for c in categories),
        {code: tuple(found) for code, found in by_category.items()},
        other,
        tuple((k["code"], k["category"]) for k in routing),
    )


async def _register_new(api: _Api, path: str, body: Mapping[str, Any], what: str) -> None:
    """Register what `_refuse_if_loaded` found missing; a 409 means another load created
    it meanwhile: DemoAlreadyLoaded, as if it had been there before."""
    try:
        await api.call("registry", "POST", path, json=body)
    except DemoError as error:
        if error.status == 409:
            raise DemoAlreadyLoaded(f"{what} exists already") from None
        raise


async def _create_branch(api: _Api, branch: Mapping[str, Any]) -> None:
    await _register_new(api, "/branches", branch, f"branch {branch['id']}")


async def _create_community(api: _Api, plan: DemoPlan, community: _Community) -> dict[str, str]:
    """Register a community of the branch and its resident units; answer name -> unit id."""
    body = {"id": community.id, "name": community.name, "branch": plan.branch_key}
    await _register_new(api, "/communities", body, f"community {community.id}")
    ids = {}
    for name, kind in community.units:
        unit = {"community_id": community.id, "name": name, "kind": kind}
        created = await api.call("registry", "POST", "/resident-units", json=unit)
        ids[name] = str(created["id"])
    return ids


def _csv_chunks(volunteers: Sequence[_Volunteer]) -> list[tuple[int, bytes]]:
    """The spreadsheet in chunks of CSV_CHUNK rows, each with the line of its header row
    in the whole file (`first_line`), so errors would name the right lines."""
    columns = ("name", "phone", "gender", "birth_year", "is_party_member", "party_joined_on")
    chunks = []
    for start in range(0, len(volunteers), CSV_CHUNK):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow((*columns, "skills"))
        for v in volunteers[start : start + CSV_CHUNK]:
            joined = v.party_joined_on.isoformat() if v.party_joined_on else ""
            member = "true" if v.party_joined_on else "false"
            writer.writerow(
                (v.name, v.phone, v.gender, v.birth_year, member, joined, ";".join(v.skills))
            )
        chunks.append((1 + start, out.getvalue().encode()))
    return chunks


async def _import_volunteers(
    api: _Api, data: _DataSet, unit_ids: Mapping[str, str], report: Progress
) -> dict[str, str]:
    """Upload each community's volunteers as CSV, and register the units' working party
    members one by one with their unit; answer phone -> volunteer id."""
    uploads: list[tuple[str, tuple[int, bytes]] | _Volunteer] = [
        (c.id, chunk)
        for c in data.communities
        for chunk in _csv_chunks(
            [v for v in data.volunteers if v.community_id == c.id and v.unit is None]
        )
    ]
    uploads += [v for v in data.volunteers if v.unit is not None]

    async def upload(item: tuple[str, tuple[int, bytes]] | _Volunteer) -> int:
        if isinstance(item, _Volunteer):
            assert item.unit is not None and item.party_joined_on is not None
            body = {
                "community_id": item.community_id,
                "name": item.name,
                "phone": item.phone,
                "gender": item.gender,
                "birth_year": item.birth_year,
                "skills": list(item.skills),
                "is_party_member": True,
                "party_joined_on": item.party_joined_on.isoformat(),
                "unit_id": unit_ids[item.unit],
            }
            await api.call("registry", "POST", "/volunteers", json=body)
            return 1
        community_id, (first_line, content) = item
        result = await api.call(
            "registry",
            "POST",
            "/volunteers/import",
            params={"community_id": community_id, "first_line": first_line},
            files={"file": ("volunteers.csv", content, "text/csv")},
        )
        if result["errors"]:
            raise DemoError(f"volunteers of {community_id} not imported: {result['errors'][:5]}")
        return int(result["created"])

    await _each("volunteers", uploads, upload, report, count=lambda created: created)
    ids: dict[str, str] = {}
    for community in data.communities:
        for volunteer in await api.get_all("registry", "/volunteers", community_id=community.id):
            ids[volunteer["phone"]] = volunteer["id"]
    return ids


async def _register_teams(
    api: _Api,
    data: _DataSet,
    volunteer_ids: Mapping[str, str],
    unit_ids: Mapping[str, str],
    report: Progress,
) -> list[str]:
    """Register the teams, each with its leader; answer their ids, in order."""

    async def register(team: _Team) -> str:
        body: dict[str, Any] = {
            "community_id": team.community_id,
            "category": team.category,
            "name": team.name,
        }
        if team.leader:
            body["leader_volunteer_id"] = volunteer_ids[team.leader]
        if team.unit:
            body["unit_id"] = unit_ids[team.unit]
        created = await api.call("registry", "POST", "/teams", json=body)
        return str(created["id"])

    return await _each("teams", data.teams, register, report)


async def _log_activity(
    api: _Api, activity: _Activity, team_ids: Sequence[str], volunteer_ids: Mapping[str, str]
) -> tuple[str, str]:
    """Log an activity (retrying while activities has not heard of its team or people yet),
    then verify or void it as drawn; answer its final status and its id."""
    body = {
        **activity.body,
        "team_id": team_ids[activity.team],
        "participants": [
            {"volunteer_id": volunteer_ids[phone], "hours": hours}
            for phone, hours in activity.participants
        ],
    }
    created = await api.call("activities", "POST", "/activities", json=body)
    path = f"/activities/{created['id']}"
    if activity.fate == "verified":
        await api.call("activities", "POST", f"{path}/verify")
    elif activity.fate == "voided":
        await api.call("activities", "POST", f"{path}/void", json={"reason": "重复登记"})
    return activity.fate, str(created["id"])


async def _serve_order(api: _Api, order: _Order, team_ids: Sequence[str]) -> str:
    """Submit an order and take it as far as drawn; answer how far it got."""
    created = await api.call("requests", "POST", "/requests", json=order.body)
    path = f"/requests/{created['id']}"
    if order.escalate:
        # no team of its color in its community: to the branch (服务难题联解), which gives
        # it to the hospital's team (retrying until requests has heard of that team)
        await api.call("requests", "POST", f"{path}/escalate", json={"reason": _ESCALATION_REASON})
        if order.escalate == "waiting":
            return "waiting"
        body = {"team_id": team_ids[order.team]}
        await api.call("requests", "POST", f"{path}/assign", json=body, retry=_any_422)
    elif created["status"] == "submitted":
        # requests has not heard of the community's teams yet: assign by hand, retrying
        # (a 422) until the team has arrived there.
        body = {"team_id": team_ids[order.team]}
        await api.call("requests", "POST", f"{path}/assign", json=body, retry=_any_422)
    if order.fate == "cancelled":
        await api.call("requests", "POST", f"{path}/cancel", json={"reason": "居民已自行解决"})
        return order.fate
    if order.fate == "assigned":
        return order.fate
    await api.call("requests", "POST", f"{path}/accept")
    if order.fate == "accepted":
        return order.fate
    await api.call("requests", "POST", f"{path}/complete", json={"note": "已上门服务，问题已解决"})
    if order.fate == "rated":
        rating: dict[str, Any] = {"score": order.score}
        if order.comment:
            rating["comment"] = order.comment
        await api.call("requests", "POST", f"{path}/rate", json=rating)
    return order.fate


async def _share_resources(
    api: _Api,
    data: _DataSet,
    activity_ids: Sequence[str],
    unit_ids: Mapping[str, str],
    report: Progress,
) -> int:
    """Offer the shared resources, then book them; answer how many bookings were made."""
    report("bookings", 0)
    resource_ids = []
    for resource in data.resources:
        body = {**resource.body, "owner_unit_id": unit_ids[resource.unit]}
        created = await api.call("activities", "POST", "/resources", json=body)
        resource_ids.append(str(created["id"]))
        report("bookings", len(resource_ids))

    async def book(booking: _Booking) -> None:
        body = dict(booking.body)
        if booking.activity is not None:
            body["activity_id"] = activity_ids[booking.activity]
        path = f"/resources/{resource_ids[booking.resource]}/bookings"
        await api.call("activities", "POST", path, json=body)

    done = await _each("bookings", data.bookings, book, lambda step, n: None)
    report("bookings", len(resource_ids) + len(done))
    return len(done)


async def _register_care(
    api: _Api,
    recipient: _CareRecipient,
    team_ids: Sequence[str],
    volunteer_ids: Mapping[str, str],
) -> int:
    """Register a person under care with their consent, then log their visits in order;
    answer how many visits."""
    body = dict(recipient.body)
    if recipient.team is not None:
        body["team_id"] = team_ids[recipient.team]
    # retried while requests has not heard of the community or the team yet (both 422)
    created = await api.call("requests", "POST", "/care-recipients", json=body, retry=_any_422)
    for visit in recipient.visits:
        entry = dict(visit.body)
        if visit.team is not None:
            entry["team_id"] = team_ids[visit.team]
        if visit.phone is not None:
            entry["volunteer_id"] = volunteer_ids[visit.phone]
        path = f"/care-recipients/{created['id']}/visits"
        await api.call("requests", "POST", path, json=entry, retry=_any_422)
    return len(recipient.visits)
