"""The school's review queue: submitted records to approve, return or refuse."""
