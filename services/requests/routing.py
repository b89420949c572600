"""The default routing table: service kinds and the category (color) that serves them."""

from __future__ import annotations

DEFAULT_SERVICE_KINDS: list[tuple[str, str, str]] = [
    ("policy_explanation", "政策宣讲", "red"),
    ("dispute_mediation", "矛盾调解", "red"),
    ("home_study_delivery", "送学上门", "red"),
    ("health_consultation", "健康咨询", "orange"),
    ("elderly_care", "关爱老人", "orange"),
    ("disability_support", "助残服务", "orange"),
    ("left_behind_children", "关爱留守儿童", "orange"),
    ("social_assistance", "社会救助", "orange"),
    ("entrepreneurship_training", "创业培训", "gold"),
    ("job_placement", "就业推荐", "gold"),
    ("skills_training", "技能培训", "gold"),
    ("environment", "环境卫生", "green"),
    ("safety_check", "安全检查", "cyan"),
    ("emergency_help", "应急救助", "cyan"),
    ("youth_mentoring", "青少年帮教", "cyan"),
    ("event_security", "活动安保", "blue"),
    ("missing_person", "寻找走失人员", "blue"),
    ("performance", "文艺演出", "purple"),
    ("sports", "体育活动", "purple"),
]
