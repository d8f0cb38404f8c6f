"""Approval flows (审批流): configurable, versioned approval of documents of any app."""
