"""The savings pages: staff's accounts and ledgers and flagged contributions
(``savings.pages.accounts``, ``savings.pages.contributions``), employers' contributions and
payroll uploads (``savings.pages.contributions``)."""
