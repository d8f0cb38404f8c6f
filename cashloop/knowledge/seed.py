"""Demo knowledge: a sales folder with the collection rules, and a pinned announcement."""

from __future__ import annotations

from cashloop.identity.models import User
from cashloop.knowledge.choices import Access, Audience
from cashloop.knowledge.services import announcement_publish, document_create, folder_create

RULES_HTML = """
<h2>合同回款计划说明 Payment plans in contracts</h2>
<p>每份合同须附回款计划：首付款不低于 30%，其余按验收节点分期。逾期 15 天由催收专员跟进，
逾期 60 天起暂停发货。</p>
<p>Every contract carries a payment plan: at least 30% on signing, the rest by acceptance
milestones. From 15 days overdue a collector follows up; from 60 days, deliveries stop.</p>
"""

NOTICE_HTML = """
<p>自 12 月 1 日起，超过 10,000 元的坏账核销须经财务和资金主管两级审批。</p>
<p>From 1 December, bad-debt write-offs over 10,000 need finance and treasury approval.</p>
"""


def seed_knowledge(*, admin: User) -> None:
    folder = folder_create(actor=admin, name="销售制度 Sales policies", access=Access.INHERIT)
    document_create(
        actor=admin,
        title="合同回款计划说明 Payment plans",
        folder_id=folder.pk,
        body_html=RULES_HTML,
        tags=["回款", "合同"],
    )
    announcement_publish(
        actor=admin,
        title="坏账核销审批新规 New approval rule for bad debts",
        body_html=NOTICE_HTML,
        audience=Audience.ALL,
        pinned=True,
    )
