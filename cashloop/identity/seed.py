"""Demo people: a fictional company's teams and one or more users of every role."""

from __future__ import annotations

import random

from cashloop.identity.models import Team, User
from cashloop.identity.services import team_create, user_create

# (username, display name, team key, roles)
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("zhao.min", "赵敏", "sales", ("sales_manager",)),
    ("qian.lei", "钱磊", "east", ("sales_manager",)),
    ("sun.li", "孙丽", "east", ("sales_rep",)),
    ("li.wei", "李伟", "east", ("sales_rep",)),
    ("zhou.jie", "周杰", "south", ("sales_manager",)),
    ("wu.fang", "吴芳", "south", ("sales_rep",)),
    ("emily.chen", "Emily Chen", "overseas", ("sales_rep",)),
    ("zheng.hua", "郑华", "finance", ("finance",)),
    ("wang.qiang", "王强", "finance", ("collector",)),
    ("feng.yan", "冯艳", "finance", ("treasurer",)),
    ("chen.jing", "陈静", "service", ("service_agent",)),
    ("auditor", "Audit Viewer", "company", ("viewer",)),
    # The company's own administrator (not a superuser): builds flows, fields and roles.
    ("it.admin", "系统管理员 IT Admin", "company", ("admin",)),
)

# (key, name, parent key)
DEMO_TEAMS: tuple[tuple[str, str, str | None], ...] = (
    ("company", "星河云科技 Xinghe Cloud", None),
    ("sales", "销售中心 Sales", "company"),
    ("east", "华东销售部 East China", "sales"),
    ("south", "华南销售部 South China", "sales"),
    ("overseas", "海外销售部 Overseas", "sales"),
    ("finance", "财务部 Finance", "company"),
    ("service", "客户服务部 Service", "company"),
)


def seed_people(*, rng: random.Random, size: str) -> dict[str, list[User]]:
    """Create teams and users; return the sales reps and managers by team key."""
    teams: dict[str, Team] = {}
    for key, name, parent in DEMO_TEAMS:
        teams[key] = team_create(
            actor=None, name=name, parent=teams.get(parent) if parent else None
        )
    users = list(DEMO_USERS)
    if size == "large":
        users += [
            (
                f"rep{n:03d}",
                f"Rep {n:03d}",
                rng.choice(["east", "south", "overseas"]),
                ("sales_rep",),
            )
            for n in range(1, 101)
        ]
    sellers: dict[str, list[User]] = {}
    for username, display_name, team_key, roles in users:
        user = user_create(
            actor=None,
            username=username,
            display_name=display_name,
            email=f"{username}@xinghe.example",
            team=teams[team_key],
            role_codes=roles,
        )
        if team_key in {"east", "south", "overseas"}:
            sellers.setdefault(team_key, []).append(user)
        if "sales_manager" in roles and teams[team_key].manager_id is None:
            Team.objects.filter(pk=teams[team_key].pk).update(manager=user)
    return sellers


def seed_field_rules(*, admin: User) -> None:
    """Service agents see contacts' phone numbers masked: they call through the hotline."""
    from cashloop.identity.models import Role
    from cashloop.identity.services import role_update

    agent = Role.objects.get(code="service_agent")
    rules = {**agent.field_rules, "customers.contact": {"phone": "mask"}}
    role_update(actor=admin, role_id=agent.pk, changes={"field_rules": rules})
