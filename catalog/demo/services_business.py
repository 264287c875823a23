"""Demo services: finance & procurement, people & HR."""

from catalog.demo.organisation import ALL_UNITS

SERVICES = [
    {
        "name": "Payroll",
        "category": "finance",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "owen.davies",
        "business_owner": "daniel.price",
        "business_units": ALL_UNITS,
        "annual_cost": "186500.00",
        "summary": "Everyone paid correctly and on time, with payslips online and tax filed with HMRC.",
        "description": """
            Payroll pays about 1,900 people: monthly salaried staff on the last working day of the
            month, and weekly-paid warehouse and transport staff every Friday. It calculates tax,
            National Insurance, pensions, overtime, shift allowances and statutory pay, and files the
            returns with HMRC in real time.

            Employees see their **payslips and P60s online** and can update their bank details
            themselves (changes are checked by the payroll team before the next run).

            The payroll calendar is fixed a year ahead. In the days before a pay run the system is
            under a change freeze, and IT treats any problem with it as a top priority.
        """,
        "how_to_request": """
            - **Payslip or tax question**: ask the payroll team through the HR portal.
            - **Access for a new payroll administrator**: the Payroll Manager requests it on the service
              desk portal.
            - **A change to a pay element or report**: raise a change request; the payroll team
              prioritises it with IT.
        """,
        "cost_drivers": [
            "Payroll software subscription (per payslip)",
            "Year-end and legislative updates",
            "Bureau support for the weekly payroll",
        ],
        "keywords": "pay, salary, payslip, wages, P60, tax, HMRC, pension, overtime",
        "depends_on": [
            "HR information system",
            "Banking and payments gateway",
            "Sign-in and single sign-on",
            "Server hosting",
        ],
    },
    {
        "name": "General ledger and financial reporting",
        "category": "finance",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "helen.carter",
        "business_owner": "margaret.hughes",
        "business_units": ["finance", "operations"],
        "annual_cost": "264000.00",
        "summary": "The company's books: the ledger, month-end close and statutory accounts, in the ERP.",
        "description": """
            The finance module of our ERP holds the general ledger for the group's four companies,
            fixed assets, and accounts receivable. It produces the monthly management accounts and
            the year-end statutory accounts.

            The **month-end close** runs over the first five working days of each month; IT avoids
            planned changes in that window and keeps an engineer on standby.
        """,
        "how_to_request": """
            Access is requested by the Financial Controller on the service desk portal. Report
            problems during the month-end close by phone, not the portal, so they are picked up at once.
        """,
        "cost_drivers": ["ERP licences (finance users)", "Application support partner", "Database hosting"],
        "keywords": "ERP, ledger, accounts, month end, close, journals, finance, GL",
        "depends_on": ["Server hosting", "Backup and recovery", "Sign-in and single sign-on"],
    },
    {
        "name": "Purchase to pay",
        "category": "finance",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "helen.carter",
        "business_owner": "margaret.hughes",
        "business_units": ALL_UNITS,
        "annual_cost": "118000.00",
        "summary": "Buy what you need through approved suppliers; invoices matched and paid on time.",
        "description": """
            Raise a requisition, have it approved by your budget holder, and the purchase order goes to
            the supplier automatically. Invoices are scanned, matched to the order and goods receipt,
            and paid on the agreed terms; mismatches go back to the buyer to resolve.

            The catalogue of approved suppliers covers most day-to-day needs, from stationery to
            forklift servicing.
        """,
        "how_to_request": """
            Every budget holder and their delegates have access. New buyers are set up by the Procurement
            team; ask them through the portal.
        """,
        "cost_drivers": ["ERP procurement licences", "Invoice scanning service (per invoice)"],
        "keywords": "purchase order, PO, requisition, invoice, supplier, procurement, buy",
        "depends_on": ["General ledger and financial reporting", "Banking and payments gateway"],
    },
    {
        "name": "Expenses",
        "category": "finance",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "helen.carter",
        "business_owner": "margaret.hughes",
        "business_units": ALL_UNITS,
        "annual_cost": "43000.00",
        "summary": "Claim expenses from your phone: photograph the receipt, submit, get paid with your salary.",
        "description": """
            Photograph receipts with the app as you go; mileage is calculated from the postcodes. Your
            manager approves the claim on their phone, and approved claims are paid with the next
            monthly salary.

            Company credit card transactions appear in the app automatically, ready to be explained.
        """,
        "how_to_request": """
            Everyone has access. Download the app from *Company Portal* and sign in with your work account.
        """,
        "cost_drivers": ["Per-user subscription", "Card feed from the bank"],
        "keywords": "expenses, claim, receipt, mileage, credit card, travel",
        "depends_on": ["General ledger and financial reporting", "Sign-in and single sign-on"],
    },
    {
        "name": "Budgeting and forecasting",
        "category": "finance",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "helen.carter",
        "business_owner": "margaret.hughes",
        "business_units": ["finance", "sales", "operations", "marketing"],
        "annual_cost": "56000.00",
        "summary": "Plan next year's budget and reforecast each quarter, in one shared model.",
        "description": """
            Budget holders enter their plans into a shared model instead of spreadsheets sent by email.
            Actuals from the ledger are loaded every night, so the quarterly reforecast starts from
            real numbers.

            The budgeting season runs from September to November; Finance runs training sessions in
            August.
        """,
        "how_to_request": "Finance gives access to budget holders before each budgeting season.",
        "cost_drivers": ["Planning software subscription", "Model changes by the implementation partner"],
        "keywords": "budget, forecast, plan, reforecast, cost centre",
        "depends_on": ["General ledger and financial reporting", "Data warehouse"],
    },
    {
        "name": "Banking and payments gateway",
        "category": "finance",
        "lifecycle": "live",
        "criticality": 1,
        "service_owner": "helen.carter",
        "business_owner": "margaret.hughes",
        "business_units": ["finance"],
        "annual_cost": "39000.00",
        "summary": "The secure link to our banks that sends payments and brings back statements.",
        "description": """
            Payment runs from payroll and purchase to pay are sent to the banks through a secure
            gateway, and bank statements come back every morning for reconciliation. Card payments
            taken by the online shop are settled through it too.

            Every payment file needs two approvers in Finance. The gateway is monitored around the
            clock because a failed payroll payment cannot wait until Monday.
        """,
        "how_to_request": "Access is limited to named Treasury staff; the Finance Director approves each request.",
        "cost_drivers": ["Gateway subscription", "Bank connection fees", "Annual security certification"],
        "keywords": "bank, payments, BACS, statements, treasury, Faster Payments",
        "depends_on": ["Server hosting", "Office network and Wi-Fi"],
    },
    {
        "name": "Finance archive (old accounts system)",
        "category": "finance",
        "lifecycle": "retired",
        "criticality": 4,
        "service_owner": "helen.carter",
        "business_owner": "margaret.hughes",
        "business_units": ["finance"],
        "annual_cost": "0.00",
        "summary": "The accounts system used before the ERP. Retired; its records are in the document archive.",
        "description": """
            The previous accounts system was switched off after the ERP went live and the seven-year
            retention period for its transactions had been covered by an export.

            Historical ledgers and invoices from before the ERP are searchable in the **document
            archive**.
        """,
        "how_to_request": "Nothing to request. For records from before the ERP, search the document archive.",
        "cost_drivers": [],
        "keywords": "Sage, old system, archive, historical accounts",
        "depends_on": ["Document archive"],
    },
    {
        "name": "HR information system",
        "category": "people",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "owen.davies",
        "business_owner": "rebecca.stone",
        "business_units": ALL_UNITS,
        "annual_cost": "132000.00",
        "summary": "Everyone's employment record, holidays, absence and reviews, with self-service for staff.",
        "description": """
            The HR system is the single record of who works here: contracts, job, salary, manager,
            holidays and absence. Staff book holidays and update their own details; managers approve
            requests and see their team's calendar.

            It feeds payroll every pay period and tells IT about starters, movers and leavers, so
            keeping it right matters well beyond HR.
        """,
        "how_to_request": "Everyone has self-service access. HR staff and managers get more through HR's own requests.",
        "cost_drivers": ["Per-employee subscription", "Integration with payroll and identity"],
        "keywords": "HR, holiday, absence, sickness, employee record, annual leave, HRIS",
        "depends_on": ["Sign-in and single sign-on", "Server hosting"],
    },
    {
        "name": "Recruitment",
        "category": "people",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "owen.davies",
        "business_owner": "rebecca.stone",
        "business_units": ["human-resources"],
        "annual_cost": "47000.00",
        "summary": "Advertise jobs, manage applications and make offers, from vacancy to first day.",
        "description": """
            Hiring managers raise a vacancy, HR advertises it on our careers site and job boards, and
            candidates apply online. Interview feedback and offers are recorded in one place.

            When an offer is accepted, the new starter flows into the HR system without retyping.
        """,
        "how_to_request": "Hiring managers get access when they raise their first vacancy with HR.",
        "cost_drivers": ["Applicant tracking subscription", "Job board postings"],
        "keywords": "recruitment, hiring, vacancy, job, candidate, offer, careers",
        "depends_on": ["HR information system"],
    },
    {
        "name": "Learning and compliance training",
        "category": "people",
        "lifecycle": "live",
        "criticality": 3,
        "service_owner": "owen.davies",
        "business_owner": "rebecca.stone",
        "business_units": ALL_UNITS,
        "annual_cost": "38000.00",
        "summary": "Online courses and the mandatory training everyone must complete, with reminders.",
        "description": """
            The learning platform hosts mandatory courses (data protection, health and safety,
            anti-bribery, forklift refreshers) and optional ones. Everyone sees what they must complete
            and by when; managers see their team's progress.

            Legal and HR use the completion reports as evidence for audits and insurers.
        """,
        "how_to_request": "Everyone has access. Ask HR to publish a new course.",
        "cost_drivers": ["Platform subscription", "Course content licences"],
        "keywords": "training, learning, course, e-learning, compliance, mandatory",
        "depends_on": ["HR information system", "Sign-in and single sign-on"],
    },
    {
        "name": "Time and attendance",
        "category": "people",
        "lifecycle": "live",
        "criticality": 2,
        "service_owner": "owen.davies",
        "business_owner": "fiona.macleod",
        "business_units": ["operations", "remote-offices", "customer-service"],
        "annual_cost": "61000.00",
        "summary": "Clocking in and out, shift rotas and overtime for hourly-paid staff.",
        "description": """
            Warehouse, transport and contact centre staff clock in and out at terminals or on the app.
            Team leaders plan rotas and approve overtime, and approved hours go to payroll every week.

            A failed clock-in terminal is a priority: people cannot be paid for hours that are not
            recorded.
        """,
        "how_to_request": "Team leaders get access from HR. Report a faulty terminal to the service desk by phone.",
        "cost_drivers": ["Per-employee subscription", "Clocking terminals (34)"],
        "keywords": "clocking, timesheet, rota, shift, overtime, attendance",
        "depends_on": ["HR information system", "Office network and Wi-Fi"],
    },
]
