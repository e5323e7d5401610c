"""Pure domain rules for Brazilian documents and payments: CPF, cards, Pix BR Code, boleto, NF-e keys.

Standard library only (pix.py imports `segno` lazily for the QR image). No I/O, no AWS, no SQL.
"""
