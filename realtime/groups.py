"""Channel-layer group names, built from ids only (architecture.md)."""


def user_group(structure_id: int, user_id: int) -> str:
    return f"t{structure_id}.u{user_id}"


def staff_group(structure_id: int) -> str:
    return f"t{structure_id}.staff"


def conversation_group(structure_id: int, conversation_id: int) -> str:
    return f"t{structure_id}.conv{conversation_id}"


def access_group(structure_id: int, user_id: int) -> str:
    """Every socket a person opens on a structure joins it: closing their access there (a
    membership deactivated) closes their open sockets through it."""
    return f"t{structure_id}.u{user_id}.access"


def availability_group(structure_id: int) -> str:
    """The structure's anonymous, read-only group: free seats of its sessions, for every open
    shop page (`ws/disponibilites/`). Only `availability.changed` is ever sent to it."""
    return f"t{structure_id}.availability"
