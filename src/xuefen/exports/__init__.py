"""Official forms out of xuefen: 申报表, 登记册, 文成 附件4/5/7, 大荔 汇总表, the county table.

A form is built once as a neutral :class:`~xuefen.exports.layout.Document` (titles, header
rows with merged cells, body rows streamed from the stored results, signature boxes, notes)
and written by one of two renderers: :mod:`.xlsx` (XlsxWriter, constant memory) or
:mod:`.pdf` (WeasyPrint with Debian's Noto CJK fonts). The forms are declared in
:mod:`.registry`; :mod:`.services` checks who may export what, and runs large exports as
background jobs whose files are kept for their owner for a while.
"""
