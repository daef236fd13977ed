"""School-based training (校本研修): the semester plan the county approves, activities of the
subject groups with their roles and materials, sign-in that cannot be forwarded, leave and
make-up, and the records attendance generates (普洱 第九条 and 附件3; 平阳; 兰州 五、六; 大荔)."""
