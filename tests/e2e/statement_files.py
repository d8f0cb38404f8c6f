"""Statement files of every format, written for the recognition journey's real invoices.

Invoice numbers are assigned when an invoice is issued, so the journey cannot ship its
files ready-made: the builders here write a camt.053, a camt.054, an MT940, an OFX 2.x,
an ICBC CSV (GBK, the built-in profile's columns) and an ABC .xlsx (openpyxl) from a list
of `Entry`s, in the shape of the fixtures in cashloop/banking/tests/fixtures/.  (No .xls:
writing one needs xlwt, which the project does not depend on; the parser tests read the
CCB fixture.)

`journey_world` makes the company's side: four customers, their issued invoices, and
the entries each file holds.  Both the browser journey (tests/e2e/test_recognition_journey)
and the API journey (cashloop/banking/tests/test_recognition_journey_api) import them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

import openpyxl

from cashloop.banking import services
from cashloop.banking.models import BankAccount, ImportProfile
from cashloop.banking.profiles import install_builtin_profiles
from cashloop.banking.tests.match_fixtures import PAID_ON, customer, invoice
from cashloop.customers.models import Customer
from cashloop.ledger.choices import AccountRole
from cashloop.ledger.models import Account
from cashloop.receivables.models import Invoice

D = Decimal
IBAN = "CN12CASH0000000000000001"
OPENING = D(1000)


@dataclass(frozen=True)
class Entry:
    """A money movement as the bank reports it; negative amounts are money out."""

    amount: Decimal
    payer: str = ""
    account: str = ""
    reference: str = ""
    bank_ref: str = ""
    on: date = PAID_ON


def _balances(entries: Sequence[Entry], opening: Decimal) -> Decimal:
    return opening + sum((entry.amount for entry in entries), D(0))


# --- ISO 20022 ---------------------------------------------------------------------------


def _camt_entry(entry: Entry, currency: str, *, v08: bool) -> str:
    side = "CRDT" if entry.amount > 0 else "DBIT"
    who = f"<Nm>{escape(entry.payer)}</Nm>"
    party = f"<Dbtr><Pty>{who}</Pty></Dbtr>" if v08 else f"<Dbtr>{who}</Dbtr>"
    account = (
        f"<DbtrAcct><Id><Othr><Id>{escape(entry.account)}</Id></Othr></Id></DbtrAcct>"
        if entry.account
        else ""
    )
    remittance = (
        f"<Strd><RfrdDocInf><Nb>{escape(entry.reference)}</Nb></RfrdDocInf></Strd>"
        if v08
        else f"<Ustrd>{escape(entry.reference)}</Ustrd>"
    )
    details = (
        f"<NtryDtls><TxDtls><RltdPties>{party}{account}</RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls>"
        if entry.amount > 0
        else f"<AddtlNtryInf>{escape(entry.reference)}</AddtlNtryInf>"
    )
    return (
        f'<Ntry><Amt Ccy="{currency}">{abs(entry.amount):.2f}</Amt>'
        f"<CdtDbtInd>{side}</CdtDbtInd><Sts>BOOK</Sts>"
        f"<BookgDt><Dt>{entry.on.isoformat()}</Dt></BookgDt>"
        f"<AcctSvcrRef>{escape(entry.bank_ref)}</AcctSvcrRef>{details}</Ntry>"
    )


def camt053(
    entries: Sequence[Entry], *, currency: str = "CNY", opening: Decimal = OPENING
) -> bytes:
    """camt.053.001.02 with opening and closing balances that add up."""
    first, last = min(e.on for e in entries), max(e.on for e in entries)

    def balance(code: str, amount: Decimal, on: date) -> str:
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="{currency}">{amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<Dt><Dt>{on.isoformat()}</Dt></Dt></Bal>"
        )

    body = "".join(f"\n{_camt_entry(e, currency, v08=False)}" for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>JOURNEY-053</MsgId><CreDtTm>2026-03-31T18:00:00+08:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>JOURNEY-STMT</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
        f"{balance('OPBD', opening, first)}{balance('CLBD', _balances(entries, opening), last)}"
        f"{body}</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def camt054(entries: Sequence[Entry], *, currency: str = "CNY") -> bytes:
    """camt.054.001.08, structured remittance (the document number in `RfrdDocInf/Nb`)."""
    body = "".join(f"\n{_camt_entry(e, currency, v08=True)}" for e in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
        "<BkToCstmrDbtCdtNtfctn>"
        "<GrpHdr><MsgId>JOURNEY-054</MsgId><CreDtTm>2026-03-31T09:00:00+08:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>JOURNEY-NTF</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
        f"{body}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


# --- SWIFT and OFX -----------------------------------------------------------------------


def _swift_amount(amount: Decimal) -> str:
    return f"{abs(amount):.2f}".replace(".", ",")


def mt940(entries: Sequence[Entry], *, currency: str = "CNY", opening: Decimal = OPENING) -> bytes:
    """SWIFT MT940: one statement, unstructured :86: text (SWIFT's character set: ASCII)."""
    first, last = min(e.on for e in entries), max(e.on for e in entries)
    rows = [":20:JOURNEY0001", f":25:{IBAN}", ":28C:1/1"]
    rows.append(f":60F:C{first:%y%m%d}{currency}{_swift_amount(opening)}")
    for entry in entries:
        mark = "C" if entry.amount > 0 else "D"
        kind = "NTRF" if entry.amount > 0 else "NCHG"
        rows.append(
            f":61:{entry.on:%y%m%d}{entry.on:%m%d}{mark}{_swift_amount(entry.amount)}"
            f"{kind}NONREF//{entry.bank_ref}"
        )
        rows.append(f":86:{' '.join(filter(None, (entry.payer, entry.reference)))}")
    closing = _balances(entries, opening)
    rows.append(f":62F:C{last:%y%m%d}{currency}{_swift_amount(closing)}")
    return ("\r\n".join(rows) + "\r\n-\r\n").encode("ascii")


def ofx(entries: Sequence[Entry], *, currency: str = "CNY") -> bytes:
    """OFX 2.2 (XML)."""
    first, last = min(e.on for e in entries), max(e.on for e in entries)
    body = "".join(
        f"<STMTTRN><TRNTYPE>{'CREDIT' if e.amount > 0 else 'DEBIT'}</TRNTYPE>"
        f"<DTPOSTED>{e.on:%Y%m%d}</DTPOSTED><TRNAMT>{e.amount:.2f}</TRNAMT>"
        f"<FITID>{escape(e.bank_ref)}</FITID><NAME>{escape(e.payer)}</NAME>"
        f"<MEMO>{escape(e.reference)}</MEMO></STMTTRN>"
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
        'NEWFILEUID="NONE"?>\n<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE>'
        "<SEVERITY>INFO</SEVERITY></STATUS><DTSERVER>20260331120000</DTSERVER>"
        "<LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS>"
        "<TRNUID>1</TRNUID><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<STMTRS><CURDEF>{currency}</CURDEF><BANKACCTFROM><BANKID>102100099996</BANKID>"
        "<ACCTID>0001</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>{first:%Y%m%d}</DTSTART><DTEND>{last:%Y%m%d}</DTEND>"
        f"{body}</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    ).encode()


# --- Chinese banks' exports --------------------------------------------------------------


def icbc_csv(entries: Sequence[Entry]) -> bytes:
    """An ICBC export in GBK: a preamble, the built-in profile's columns, a totals row."""
    rows = [
        "明细查询文件下载",
        "",
        '卡号: 6222****0001,"卡别名: 收款户"',
        "",
        "交易日期,摘要,交易详情,交易场所,交易国家或地区简称,钞/汇,交易金额(收入),"
        "交易金额(支出),交易币种,记账金额(收入),记账金额(支出),记账币种,余额,对方户名,对方账户",
    ]
    for e in entries:
        money_in = f'"{e.amount:,.2f}"' if e.amount > 0 else ""
        money_out = f'"{-e.amount:,.2f}"' if e.amount < 0 else ""
        rows.append(
            f"{e.on.isoformat()},货款,{e.reference or '-'},,CHN,钞,-,-,-,"
            f"{money_in},{money_out},人民币,,{e.payer},{e.account or '-'}"
        )
    total_in = sum((e.amount for e in entries if e.amount > 0), D(0))
    rows.append(f'人民币合计,,,,,,,,,"{total_in:,.2f}",,')
    return ("\r\n".join(rows) + "\r\n").encode("gbk")


def abc_xlsx(entries: Sequence[Entry]) -> bytes:
    """An ABC (农业银行) .xlsx: a title row, the built-in profile's columns, a totals row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["中国农业银行账户明细"])
    sheet.append(
        ["交易日期", "交易金额", "本次余额", "对方户名", "对方账号", "交易用途", "交易摘要"]
    )
    for e in entries:
        sheet.append([e.on, e.amount, None, e.payer, e.account, e.reference, "转账"])
    sheet.append(["合计", sum((e.amount for e in entries), D(0))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the journey's company ---------------------------------------------------------------


@dataclass(frozen=True)
class StatementFile:
    """One file of the journey: its name, its entries written by `write`, the profile to
    read it with."""

    name: str
    write: Callable[[Sequence[Entry]], bytes]
    entries: Sequence[Entry]
    pays: str  # the key of the invoice whose number and amount its first credit quotes
    profile: str = ""  # the built-in profile's code; "" for self-describing formats

    @property
    def data(self) -> bytes:
        return self.write(self.entries)

    @property
    def credits(self) -> int:
        """Incoming lines in the file (money out is never recognised)."""
        return sum(1 for entry in self.entries if entry.amount > 0)


@dataclass
class World:
    """Customers, invoices and files of the journey.

    Six lines quote an invoice number with its exact amount (one per format): the engine
    applies them by itself.  Three wait for a person: MOON paying an invoice under a short
    name without a number, which TWIN (another 明月贸易 that owes the same amount) fits as
    well, so the engine only suggests it; an agent paying 900 for STAR and MOON together
    (a split: MOON's 400 invoice, STAR's 500 an advance); and the bank's interest (posted
    to other income).
    """

    star: Customer
    moon: Customer
    twin: Customer
    river: Customer
    invoices: dict[str, Invoice] = field(default_factory=dict)
    files: list[StatementFile] = field(default_factory=list)

    SUGGESTED_PAYER = "明月贸易"
    AGENT = "某某代付公司"
    INTEREST = D("12.34")
    SPLIT = (D("500.00"), D("400.00"))  # STAR's advance, MOON's small invoice


def journey_world(company) -> World:  # type: ignore[no-untyped-def]
    """Customers with issued invoices, and a file of each format paying them."""
    world = World(
        star=customer(company, "上海星河科技有限公司", code="SH-STAR"),
        moon=customer(company, "北京明月贸易有限公司", code="BJ-MOON"),
        twin=customer(company, "上海明月贸易有限公司", code="SH-MOON"),
        river=customer(company, "杭州远航物流有限公司", code="HZ-RIVER"),
    )
    plan = {  # key: (customer, total with VAT)
        "camt053": (world.star, "11300.00"),
        "camt054": (world.moon, "5000.00"),
        "mt940": (world.star, "2260.00"),
        "ofx": (world.river, "3390.00"),
        "csv": (world.moon, "1695.00"),
        "xlsx": (world.river, "7910.00"),
        "suggested": (world.moon, "2486.00"),
        "twin": (world.twin, "2486.00"),
        "split": (world.moon, "400.00"),
    }
    for key, (who, total) in plan.items():
        world.invoices[key] = invoice(company, who, total)

    def paying(key: str, payer: str, account: str, spelled: str = "{}") -> Entry:
        """The credit paying invoice `key` in full, its number quoted as `spelled`."""
        inv = world.invoices[key]
        reference = spelled.format(inv.number)
        return Entry(inv.total, payer, account, reference, bank_ref=f"JRN-{key.upper()}")

    fee = Entry(D("-10.00"), reference="手续费", bank_ref="JRN-FEE")
    interest = Entry(world.INTEREST, "", "", "INTEREST Q1", bank_ref="JRN-INT")
    suggested = Entry(world.invoices["suggested"].total, world.SUGGESTED_PAYER, bank_ref="JRN-SUGG")
    agent = Entry(sum(world.SPLIT, D(0)), world.AGENT, "6222000088887777", "代付", "JRN-AGENT")
    world.files = [
        StatementFile(
            "journey.camt053.xml",
            camt053,
            [paying("camt053", world.star.name, "6222021234567890", "货款 {}"), fee],
            pays="camt053",
        ),
        StatementFile(
            "journey.camt054.xml",
            camt054,
            [paying("camt054", world.moon.name, "CN98BJBK0000000000000042")],
            pays="camt054",
        ),
        StatementFile(
            "journey.sta", mt940, [paying("mt940", "", "", "PAYMENT {}"), interest], pays="mt940"
        ),
        StatementFile(
            "journey.ofx", ofx, [paying("ofx", "HANGZHOU YUANHANG LOGISTICS", "")], pays="ofx"
        ),
        StatementFile(
            "journey-icbc.csv",
            icbc_csv,
            [paying("csv", world.moon.name, "6222029999000011"), suggested],
            pays="csv",
            profile="icbc",
        ),
        StatementFile(
            "journey-abc.xlsx",
            abc_xlsx,
            [paying("xlsx", world.river.name, "", "货款 {}"), agent],
            pays="xlsx",
            profile="abc",
        ),
    ]
    return world


def journey_bank_account(company) -> BankAccount:  # type: ignore[no-untyped-def]
    """The CNY account every file is imported into, read with the ICBC profile by default."""
    install_builtin_profiles(ImportProfile)  # a transactional test's flush removed them
    return services.bank_account_create(
        actor=company.admin,
        name="工行基本户",
        bank="工商银行",
        account_number=IBAN,
        currency="CNY",
        ledger_account_id=Account.objects.get(role=AccountRole.BANK).pk,
        profile_id=ImportProfile.objects.get(code="icbc").pk,
    )
