"""Helpers of the browser tests (Playwright): sign in and out through the pages, as a user does."""

from __future__ import annotations

from playwright.sync_api import Page

from hall.demo import DEMO_PASSWORD


def login(page: Page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in from a clean browser (cookies cleared first, so a user already signed in is left)."""
    page.context.clear_cookies()
    page.goto(base_url + "/login/")
    page.get_by_label("用户名或手机号", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_load_state()


def logout(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_load_state()
