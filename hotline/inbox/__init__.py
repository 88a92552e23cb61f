"""我的待办: each person's to-do list, a read side over calls, transfers, approvals, assistance and cases."""
