"""Answers are matched to an option exactly (ignoring case, spacing, punctuation and curly
quotes) or by a person: never by a guess."""

from __future__ import annotations

import duckdb

from tests.test_import_matrix import FIXTURES, cli

STATEMENT = (
    "How far do you agree with each of these statements? [I am clear about what is expected of me as a CD]"
)


def grid_with(replacements: dict[str, str]) -> bytes:
    """Return the Google Forms grid fixture with the first cell of each old value replaced."""
    text = (FIXTURES / "gf_grid.csv").read_text(encoding="utf-8-sig")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode()


def test_a_near_miss_is_not_an_answer_until_a_person_matches_it(db_file, tmp_path):
    path = tmp_path / "near.csv"
    # Respondent 1's "Agree" to the first statement (the first ",Agree," of the file) written as
    # "Strongly agreeish": close to an option, but none of them.
    path.write_bytes(grid_with({",Agree,Disagree,Agree,": ",Strongly agreeish,Disagree,Agree,"}))
    done = cli("import", path, "--db", db_file, "--wave", "2025")
    assert done.returncode == 1, done.stdout
    assert f"row 2, column “{STATEMENT}”: “Strongly agreeish” is not an answer" in done.stdout
    con = duckdb.connect(str(db_file), read_only=True)
    assert con.execute("SELECT count(*) FROM wave WHERE wave_code = '2025'").fetchone()[0] == 0
    con.close()


def test_case_spacing_punctuation_and_curly_quotes_do_not_matter(db_file, tmp_path):
    path = tmp_path / "spelt.csv"
    path.write_bytes(
        grid_with({",Agree,Disagree,Agree,": ",  AGREE. ,Disagree,Agree,", "Don't know": "Dont-know"})
    )
    done = cli("import", path, "--db", db_file, "--wave", "2025")
    assert done.returncode == 0, done.stdout
    con = duckdb.connect(str(db_file), read_only=True)
    got = dict(
        con.execute(
            "SELECT question_code, count(*) FROM answer JOIN respondent USING (respondent_id) "
            "JOIN wave USING (wave_id) WHERE wave_code = '2025' AND option_code IN ('a', 'dont_know') "
            "AND question_code IN ('role_clear_self', 'rel_vcse') GROUP BY ALL"
        ).fetchall()
    )
    con.close()
    # In the file: 3 "Agree" to the first statement, 1 "Don't know" about VCSE (respondent 4's,
    # the file's first "Don't know", now "Dont-know").
    assert got == {"role_clear_self": 3, "rel_vcse": 1}
