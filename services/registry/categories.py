"""The seven colors of the source document: the default categories of a deployment."""

from __future__ import annotations

SEVEN_COLORS: list[tuple[str, str, str]] = [
    ("red", "红色先锋", "宣讲党的政策，为老党员送学上门，开展日常服务"),
    ("orange", "橙色关爱", "健康咨询与义诊，关爱残疾人、空巢老人和留守儿童"),
    ("gold", "金色创业", "电商培训、手工技能培训，帮助居民就业创业"),
    ("green", "绿色环保", "环保宣传与文艺演出，发放宣传资料，城市环境整治"),
    ("cyan", "青色应急", "青年治安巡逻、安全知识宣讲，森林防火与防汛应急"),
    ("blue", "蓝色平安", "大型活动安保、寻找走失人员、夜间巡逻、应急知识宣讲"),
    ("purple", "紫色文体", "为群众送演出、开展文体活动"),
]
