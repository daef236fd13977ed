"""The credit workflow of a school's period: public notice (公示) and objections, the
principal's sign-off, submission, the county's certification or return, and the
recognition windows that bound them (普洱 附件2 四、认定程序; 文成 五; 兰州 六)."""
