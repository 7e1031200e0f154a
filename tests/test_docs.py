"""The repository's own documentation: citations resolve, the model zoo
covers every recipe, links point at files that exist, and nothing outside
``tests/`` refers to documents a clone does not have."""
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CITATION = re.compile(r'docs/method\.md §(\d+)(?:[–-](\d+))?')
CHECKED_DIRS = ('tmass_mm', 'tools', 'configs', 'docs', 'demo')


def _source_files():
    files = [REPO / 'README.md']
    for folder in CHECKED_DIRS:
        root = REPO / folder
        if root.is_dir():
            files += [
                p for p in root.rglob('*')
                if p.suffix in ('.py', '.md', '.sh', '.yml') and p.is_file()
            ]
    return files


def _method_sections():
    text = (REPO / 'docs' / 'method.md').read_text(encoding='utf-8')
    return {int(n) for n in re.findall(r'^## §(\d+) ', text, re.MULTILINE)}


def test_method_sections_are_numbered_one_to_nine():
    assert _method_sections() == set(range(1, 10))


def test_every_method_citation_resolves_to_a_heading():
    sections = _method_sections()
    cited = []
    for path in _source_files():
        for match in CITATION.finditer(path.read_text(encoding='utf-8')):
            first, last = match.group(1), match.group(2) or match.group(1)
            for number in range(int(first), int(last) + 1):
                cited.append((path.relative_to(REPO), number))
    assert len(cited) > 20  # the code cites the method throughout
    unresolved = [(str(p), n) for p, n in cited if n not in sections]
    assert not unresolved


def test_no_file_outside_tests_cites_documents_outside_the_repository():
    pattern = re.compile(r'SPEC(\.md)? ?§|SPEC\.md|STYLE\.md|DATASETS\.md|'
                         r'\.\./shared')
    offenders = [
        str(p.relative_to(REPO)) for p in _source_files()
        if pattern.search(p.read_text(encoding='utf-8'))
    ]
    assert not offenders


def _metafile_models():
    metafile = yaml.safe_load(
        (REPO / 'configs' / 'tmass' / 'metafile.yml').read_text())
    return metafile['Models']


def test_every_recipe_has_a_metafile_entry_with_an_existing_config():
    models = _metafile_models()
    configs = {m['Config'] for m in models}
    assert all((REPO / c).is_file() for c in configs)
    recipes = {
        str(p.relative_to(REPO))
        for p in (REPO / 'configs' / 'tmass').glob('*.py')
    }
    assert recipes and recipes <= configs


def test_metafile_states_that_nothing_is_reproduced_yet():
    for model in _metafile_models():
        assert model['Metadata']['Reproduced'] is False
        assert model['Results'][0]['Metrics']['R@1'] > 0


def test_model_index_imports_the_metafile():
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    assert all((REPO / path).is_file() for path in index['Import'])


def _markdown_links(path):
    text = path.read_text(encoding='utf-8')
    for target in re.findall(r'\]\(([^)#\s]+)(?:#[^)]*)?\)', text):
        if not re.match(r'[a-z]+://', target):
            yield target


@pytest.mark.parametrize(
    'page', ['README.md', 'configs/tmass/README.md'] +
    [str(p.relative_to(REPO)) for p in sorted((REPO / 'docs').glob('*.md'))])
def test_relative_links_point_at_existing_files(page):
    path = REPO / page
    missing = [
        t for t in _markdown_links(path) if not (path.parent / t).exists()
    ]
    assert not missing


def test_docs_named_in_backticks_exist():
    named = set()
    for path in _source_files():
        named.update(
            re.findall(r'docs/[\w./-]+\.md', path.read_text(encoding='utf-8')))
    missing = sorted(n for n in named if not (REPO / n).is_file())
    assert not missing


def test_readme_links_every_doc_page():
    readme = (REPO / 'README.md').read_text(encoding='utf-8')
    pages = [p.name for p in (REPO / 'docs').glob('*.md')]
    assert pages
    assert [p for p in pages if f'docs/{p}' not in readme] == []


def test_version_is_declared_once():
    from tmass_mm import __version__
    pyproject = (REPO / 'pyproject.toml').read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, re.MULTILINE)
    for name in ('pyproject.toml', 'setup.cfg', 'README.md'):
        assert __version__ not in (REPO / name).read_text(encoding='utf-8')
