"""Share links: anonymous visitors reaching an album or an asset through a link
(a different audience from members and the people an album is shared with)."""
