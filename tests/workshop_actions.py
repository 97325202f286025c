"""What a facilitator does on the Live workshop page, step by step in AppTest, shared by its tests."""


def add_question_on_the_day(at, wording: str, kind: str, *, sensitive: bool = False) -> None:
    """Fill in and send "Add a question written on the day" on the Live workshop page (already shown)."""
    at.text_input(key="workshop_add_wording").input(wording)
    at.selectbox(key="workshop_add_kind").set_value(kind)
    if sensitive:
        at.checkbox(key="workshop_add_sensitive").check()
    at.button(key="workshop_add_submit").click().run()
