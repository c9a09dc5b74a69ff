"""Currency codes and symbols for list_currencies (paymo-api.md §10.13, with THB for the docs' typo TBH).

The docs' list dates from 2018, so it does not decide what is valid: any 3-letter code goes to Paymo,
which judges it.
"""

from __future__ import annotations

import re

_TABLE = """
AED=AED AMD=AMD ANG=ƒ AOA=Kz ARS=$ AUD=$ AWG=Afl BAM=KM BDT=৳ BGN=лв BRL=R$ BWP=P CAD=$
CFP=XPF CHF=CHF CLF=UF CLP=$ CNY=¥ COP=$ CRC=₡ CZK=Kč DKK=kr DOP=RD$ DZD=د.ج EEK=kr EGP=ج.م
EUR=€ GBP=£ GTQ=Q HKD=$ HRK=kn HUF=Ft IDR=Rp ILS=₪ INR=₹ IRR=IRR ISK=kr JMD=J$ JOD=دينار
JPY=¥ KES=KSh KRW=₩ KWD=د.ك KYD=CI$ KZT=KZT LKR=₨ LTL=Lt LVL=Ls MAD=MAD MDL=MDL MUR=₨ MXN=$
MYR=RM NAD=$ NGN=₦ NIO=C$ NOK=kr NZD=$ OMR=﷼ PEN=S/. PHP=₱ PKR=₨ PLN=zł PYG=₲ QAR=﷼ RMB=RMB
RON=lei RSD=RSD RUB=руб SAR=ريال SEK=kr SGD=SGD SKK=Sk THB=฿ TND=د.ت TRY=TRY TTD=TT$ TWD=NT$
U$S=U$S UAH=₴ US$=US$ USD=$ UYU=$U VEF=Bs VND=₫ ZAR=ZAR
"""  # noqa: RUF001 - the symbols are Paymo's, Cyrillic letters included

CURRENCIES: dict[str, str] = dict(pair.split("=", 1) for pair in _TABLE.split())


_ISO_CODE = re.compile(r"[A-Z]{3}")


def check_currency(code: str) -> str:
    """The upper-cased code when it is a 3-letter ISO 4217 form or on Paymo's list (U$S, US$)."""
    upper = code.strip().upper()
    if upper in CURRENCIES or _ISO_CODE.fullmatch(upper):
        return upper
    raise ValueError(f"{code!r} is not a currency code; use a 3-letter ISO 4217 code, e.g. USD, EUR, THB")
