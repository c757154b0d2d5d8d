"""The manifest of knowledge sources and how to fetch them.

Each :class:`Source` lists its files (a :class:`pqstats._fetch.RemoteFile` each, with
the sha256 of the bundle's bytes), version, licence, kind and upstream location. Files
are fetched like the benchmark files: from the mirror ``$PQSTATS_MIRROR/knowledge/<file>``
when one is set, else from ``url``; verified; written atomically; cached under
``data_dir()/knowledge/``.

Where the bundle's bytes are an unchanged copy of a public snapshot (HuRI, Reactome,
Hallmark), ``url`` points at that exact snapshot so an upstream fetch passes the
checksum. Elsewhere the bundle holds a converted or filtered copy (see the bundle's
PROVENANCE.md) and ``url`` is the current upstream release, whose bytes differ: fetching
it fails the checksum by design. Use the mirror, or read your own files with the readers
(:mod:`pqstats.knowledge.readers`) or ``build_knowledge_graph(bundle_dir=...)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pqstats._fetch import DataUnavailableError, RemoteFile, fetch_file, sha256sum

__all__ = [
    "Source",
    "SOURCES",
    "KINDS",
    "fetch_source",
    "fetch_all",
    "source_files",
]

#: The kinds of source.
KINDS: tuple[str, ...] = (
    "ontology", "annotation", "ppi", "complex", "pathway", "regulatory", "gene sets",
)


@dataclass(frozen=True)
class Source:
    """One knowledge source of the bundle.

    Attributes
    ----------
    name : str
        Key in :data:`SOURCES`.
    kind : str
        One of :data:`KINDS`.
    files : tuple of RemoteFile
        The files, in the order the reader takes them.
    version : str
        Release or snapshot date.
    licence : str
        Licence of the data.
    non_commercial : bool
        True when the licence forbids commercial use (CORUM, the Enrichr libraries).
    homepage : str
        Where the current release lives.
    citation : str
        What to cite.
    description : str
        One line on what the source holds.
    """

    name: str
    kind: str
    files: tuple[RemoteFile, ...]
    version: str
    licence: str
    non_commercial: bool
    homepage: str
    citation: str
    description: str

    @property
    def sha256(self) -> tuple[str, ...]:
        """The expected sha256 of each file."""
        return tuple(f.sha256 for f in self.files)

    @property
    def filenames(self) -> tuple[str, ...]:
        """The file names."""
        return tuple(f.name for f in self.files)


def _f(name: str, sha: str, url: str) -> RemoteFile:
    return RemoteFile(name=name, subdir="knowledge", url=url, sha256=sha)


_GH = "https://raw.githubusercontent.com/"

SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            "go", "ontology",
            (_f("go-basic.obo.gz",
                "644f41a2d04f235fbd707374e7c7ec437b567d44d5823fea75efb64ddc3e64c7",
                "http://purl.obolibrary.org/obo/go/go-basic.obo"),),
            "2022-07-01", "CC BY 4.0", False, "https://geneontology.org",
            "Gene Ontology Consortium, Genetics 2023",
            "Gene Ontology DAG (is_a, part_of, regulates), via Bioconductor GO.db 3.16.0",
        ),
        Source(
            "gene2go", "annotation",
            (_f("gene2go_human.tsv.gz",
                "d99469cbec6e718565ff6bf7ea1b637e20aa3cfa1340d47ad471102d61a81a50",
                "https://ftp.ncbi.nlm.nih.gov/gene/DATA/gene2go.gz"),),
            "2022-09-12", "public domain (NCBI) / CC BY 4.0 (GO)", False,
            "https://www.ncbi.nlm.nih.gov/gene",
            "NCBI Gene; Gene Ontology Consortium",
            "direct human gene -> GO annotations with evidence codes (org.Hs.eg.db 3.16.0)",
        ),
        Source(
            "gene_info", "annotation",
            (_f("Homo_sapiens.gene_info.gz",
                "f3efa547cbf905e95d674a25e9271c17a99dbb038b15269f3b3f5e334e92c6d8",
                "https://ftp.ncbi.nlm.nih.gov/gene/DATA/GENE_INFO/Mammalia/"
                "Homo_sapiens.gene_info.gz"),),
            "2022-09-12", "public domain", False, "https://www.ncbi.nlm.nih.gov/gene",
            "NCBI Gene",
            "human genes: official symbols, synonyms, Ensembl ids, full names",
        ),
        Source(
            "bioplex", "ppi",
            (_f("BioPlex_293T_Network_10K_Dec_2019.tsv.gz",
                "4a509ed079a2f98edff04cd4718b457480896fc6e902862cec8761085615f21c",
                "https://bioplex.hms.harvard.edu/data/BioPlex_293T_Network_10K_Dec_2019.tsv"),),
            "3.0 (Dec 2019)", "free to use, cite the papers", False,
            "https://bioplex.hms.harvard.edu",
            "Huttlin et al., Cell 2021; Huttlin et al., Nature 2017",
            "AP-MS protein interactions in HEK293T",
        ),
        Source(
            "string", "ppi",
            (_f("9606.protein.physical.links.v12.0.min900.txt.gz",
                "9b8076d940c123b834d5d721e87132c77783343d62cf014ae4867e7b2e5b50fd",
                "https://stringdb-downloads.org/download/protein.physical.links.v12.0/"
                "9606.protein.physical.links.v12.0.txt.gz"),
             _f("9606.protein.info.v12.0.min.txt.gz",
                "0dd014b4123ed44b548b2a034caa0342fbb76a216fd1b7f250f6b119399e701f",
                "https://stringdb-downloads.org/download/protein.info.v12.0/"
                "9606.protein.info.v12.0.txt.gz")),
            "12.0 (physical, combined score >= 900)", "CC BY 4.0", False,
            "https://string-db.org", "Szklarczyk et al., NAR 2023",
            "STRING physical subnetwork, high-confidence edges only, each pair once",
        ),
        Source(
            "huri", "ppi",
            (_f("HuRI.tsv",
                "4cdf94366ff6e23e71ef9ec81922e85b2b3a1fb08e938f7b00d86c027cf1ecd6",
                _GH + "OliverMidbrink/6/c15c7e5f19cd95ccd70eae9407c28d941efcb360/"
                "interactome/HuRI.tsv"),),
            "2020", "free to use, cite the paper", False,
            "http://www.interactome-atlas.org", "Luck et al., Nature 2020",
            "binary yeast-two-hybrid interactions between Ensembl genes (no header)",
        ),
        Source(
            "reactome", "pathway",
            (_f("ReactomePathways.gmt",
                "dad43596299f6416b971e913ea736442e498d493e49552fbf3ffc4c407288a74",
                _GH + "markziemann/vpa-senescence/a36fe56e72ca65276969b5ac47889ccb938ddbd0/"
                "ReactomePathways.gmt"),),
            "<= 2021", "CC BY 4.0", False, "https://reactome.org",
            "Gillespie et al., NAR 2022",
            "Reactome human pathways (GMT; spaces in names replaced by '-')",
        ),
        Source(
            "hallmark", "gene sets",
            (_f("h.all.v7.0.symbols.gmt",
                "4803c09aae50bbd96d53fc681bd5545a4c89278993c15145dd7b7c994f893516",
                _GH + "zqfang/GSEApy/08cb2b689def365f7dee1f5da50c49d3a149cf5a/"
                "tests/extdata/h.all.v7.0.symbols.gmt"),),
            "MSigDB 7.0 (2019)", "CC BY 4.0", False, "https://www.gsea-msigdb.org",
            "Liberzon et al., Cell Systems 2015",
            "the 50 MSigDB hallmark gene sets",
        ),
        Source(
            "corum", "complex",
            (_f("corum_humanComplexes.txt",
                "2ba756332314aedf18ab1f7e576bda2740fa46bdf73cb72b7874ebd22b963636",
                "https://mips.helmholtz-muenchen.de/corum/download"),),
            "4.1 (2022-11-28)", "CC BY-NC 4.0 (NON-COMMERCIAL)", True,
            "https://mips.helmholtz-muenchen.de/corum", "Tsitsiridis et al., NAR 2023",
            "CORUM core human protein complexes (unquoted TSV)",
        ),
        Source(
            "trrust", "regulatory",
            (_f("trrust_rawdata.human.tsv",
                "a40f2adb3805425b6e88069ae27d77dfbccd0bea689138d97060c8bdb7bf8ca7",
                "https://www.grnpedia.org/trrust/data/trrust_rawdata.human.tsv"),),
            "2 (2018)", "free for research, cite the paper", False,
            "https://www.grnpedia.org/trrust", "Han et al., NAR 2018",
            "signed TF -> target regulation (Activation / Repression / Unknown)",
        ),
        Source(
            "enrichr_go_bp_2023", "gene sets",
            (_f("GO_Biological_Process_2023.gmt",
                "640ecc60a11ce84eefeb31cb43b10016113599fb0cfba1c290efe3ede8090b36",
                "https://maayanlab.cloud/Enrichr/geneSetLibrary?mode=text&libraryName="
                "GO_Biological_Process_2023"),),
            "2023", "CC BY-NC-SA 4.0 (package licence; NON-COMMERCIAL)", True,
            "https://maayanlab.cloud/Enrichr", "Kuleshov et al., NAR 2016",
            "Enrichr GO Biological Process 2023 library",
        ),
        Source(
            "wikipathways_2023", "gene sets",
            (_f("WikiPathway_2023_Human.gmt",
                "0e031a3d0675e556086f1652c8ea5bd00a7954f7df8205052d0f89780c5e4766",
                "https://maayanlab.cloud/Enrichr/geneSetLibrary?mode=text&libraryName="
                "WikiPathway_2023_Human"),),
            "2023", "CC BY-NC-SA 4.0 (package licence; NON-COMMERCIAL)", True,
            "https://maayanlab.cloud/Enrichr", "Kuleshov et al., NAR 2016",
            "Enrichr WikiPathways 2023 human library",
        ),
        Source(
            "chea_2022", "gene sets",
            (_f("ChEA_2022.gmt.gz",
                "871e48bb6334be485e0aba2549db0ac3a4108fd8f5c3f54a51be90ea9606d290",
                "https://maayanlab.cloud/Enrichr/geneSetLibrary?mode=text&libraryName="
                "ChEA_2022"),),
            "2022", "CC BY-NC-SA 4.0 (package licence; NON-COMMERCIAL)", True,
            "https://maayanlab.cloud/Enrichr", "Lachmann et al., Bioinformatics 2010",
            "Enrichr ChEA 2022: ChIP-derived TF -> target gene sets",
        ),
    ]
}


def _find_in_dir(directory: Path, filename: str) -> Path:
    """``directory/filename``, or its uncompressed twin (name without ``.gz``)."""
    for cand in (directory / filename, directory / filename.removesuffix(".gz")):
        if cand.is_file():
            return cand
    raise DataUnavailableError(
        f"{filename} is not in {directory}. Fix: put the file there (or its uncompressed "
        f"version {filename.removesuffix('.gz')})"
    )


def source_files(name: str, bundle_dir: str | os.PathLike | None = None) -> list[Path]:
    """Local paths of a source's files.

    Parameters
    ----------
    name : str
        A key of :data:`SOURCES`.
    bundle_dir : path-like, optional
        Read the files from this folder as they are (standard names; an uncompressed
        copy without ``.gz`` also works), without checksum verification. By default
        they are fetched and verified with :func:`fetch_source`.
    """
    if bundle_dir is None:
        return fetch_source(name)
    src = _get(name)
    return [_find_in_dir(Path(bundle_dir), f.name) for f in src.files]


def _get(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(
            f"unknown knowledge source {name!r}; known: {', '.join(SOURCES)}"
        ) from None


def fetch_source(name: str, **kwargs) -> list[Path]:
    """Fetch a source's files (mirror or upstream), verify them, return cached paths.

    Parameters
    ----------
    name : str
        A key of :data:`SOURCES`.
    **kwargs
        Passed to :func:`pqstats._fetch.fetch_file` (``mirror``, ``cache``, ``progress``).

    Returns
    -------
    list of pathlib.Path
        One path per file of the source, in the order of ``Source.files``.
    """
    return [fetch_file(f, **kwargs) for f in _get(name).files]


def fetch_all(**kwargs) -> dict[str, Path | Exception]:
    """Fetch every file of every source: file name → path, or the error that stopped it."""
    out: dict[str, Path | Exception] = {}
    for src in SOURCES.values():
        for f in src.files:
            try:
                out[f.name] = fetch_file(f, **kwargs)
            except (DataUnavailableError, ValueError) as err:
                out[f.name] = err
    return out


def file_checksums(paths: list[Path], expected: tuple[str, ...] | None) -> list[str]:
    """sha256 of each path; ``expected`` is trusted when given (fetch_file verified it)."""
    if expected is not None:
        return list(expected)
    return [sha256sum(p) for p in paths]
