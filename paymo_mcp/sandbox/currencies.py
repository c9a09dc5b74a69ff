"""The 86 currency codes Paymo lists (paymo-api.md §10.13), oddities included; Paymo has no endpoint."""

from __future__ import annotations

from paymo_mcp.sandbox.errors import bad_request

_CODES = (
    "AED AMD ANG AOA ARS AUD AWG BAM BDT BGN BRL BWP CAD CFP CHF CLF CLP CNY COP CRC "
    "CZK DKK DOP DZD EEK EGP EUR GBP GTQ HKD HRK HUF IDR ILS INR IRR ISK JMD JOD JPY "
    "KES KRW KWD KYD KZT LKR LTL LVL MAD MDL MUR MXN MYR NAD NGN NIO NOK NZD OMR PEN "
    "PHP PKR PLN PYG QAR RMB RON RSD RUB SAR SEK SGD SKK TBH TND TRY TTD TWD U$S UAH "
    "US$ USD UYU VEF VND ZAR"
)
CURRENCIES = frozenset(_CODES.split())


def check_currency(code: object, field: str = "currency") -> None:
    if code not in CURRENCIES:
        raise bad_request(
            f"Invalid {field}: {code!r} is not a currency code Paymo knows (e.g. USD, EUR, GBP)"
        )
