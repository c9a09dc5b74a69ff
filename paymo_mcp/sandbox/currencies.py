"""Currency codes the sandbox accepts: the current ISO 4217 list plus the 86 codes Paymo's 2018 list shows
(currencies.md:3-90, oddities such as `TBH` and `US$` included); Paymo has no currency endpoint."""

from __future__ import annotations

from paymo_mcp.sandbox.errors import bad_request

_PAYMO_2018 = (
    "AED AMD ANG AOA ARS AUD AWG BAM BDT BGN BRL BWP CAD CFP CHF CLF CLP CNY COP CRC "
    "CZK DKK DOP DZD EEK EGP EUR GBP GTQ HKD HRK HUF IDR ILS INR IRR ISK JMD JOD JPY "
    "KES KRW KWD KYD KZT LKR LTL LVL MAD MDL MUR MXN MYR NAD NGN NIO NOK NZD OMR PEN "
    "PHP PKR PLN PYG QAR RMB RON RSD RUB SAR SEK SGD SKK TBH TND TRY TTD TWD U$S UAH "
    "US$ USD UYU VEF VND ZAR"
)
# ISO 4217 active codes (2025), without the test and "no currency" codes XTS and XXX.
_ISO_4217 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR "
    "MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB "
    "RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD "
    "TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG "
    "XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL"
)
CURRENCIES = frozenset(_PAYMO_2018.split()) | frozenset(_ISO_4217.split())


def check_currency(code: object, field: str = "currency") -> None:
    if code not in CURRENCIES:
        raise bad_request(
            f"Invalid {field}: {code!r} is not a currency code (ISO 4217, upper case, e.g. USD, EUR, THB)"
        )
