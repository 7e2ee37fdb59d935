"""A pytest plugin for mutmut 3.7 on pytest 9 (loaded by `make mutants` only, with -p).

mutmut 3.7 reads ``item._nodeid``, which pytest 9 no longer has; later mutmut releases read
``item.nodeid`` but need a click newer than gTTS allows, so the old attribute is put back.
"""


def pytest_collection_modifyitems(items) -> None:  # type: ignore[no-untyped-def]
    for item in items:
        if not hasattr(item, "_nodeid"):
            item._nodeid = item.nodeid
