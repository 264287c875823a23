"""The demo organisation: Harbourside Supplies, a UK distributor of building and
garden products with a head office, three distribution centres and twelve regional
offices. Its business units, the people in them, and the catalogue's categories."""

from catalog import rules as roles

BUSINESS_UNITS = [
    {
        "slug": "finance",
        "name": "Finance",
        "description": "Financial control, accounts payable and receivable, payroll, treasury and the "
        "month-end close for the whole group.",
    },
    {
        "slug": "sales",
        "name": "Sales",
        "description": "Field and inside sales, key account management and the bid team. Around 140 people, "
        "most of them on the road.",
    },
    {
        "slug": "operations",
        "name": "Operations",
        "description": "The three distribution centres (Daventry, Warrington and Bristol), the transport "
        "fleet and customer deliveries. Works in shifts, seven days a week in the peak season.",
    },
    {
        "slug": "human-resources",
        "name": "Human Resources",
        "description": "Recruitment, employee relations, learning and development, and the people data behind payroll.",
    },
    {
        "slug": "remote-offices",
        "name": "Remote offices",
        "description": "The twelve regional sales and service offices, from Aberdeen to Plymouth. Each has "
        "three to fifteen staff and no IT person on site.",
    },
    {
        "slug": "legal",
        "name": "Legal & Compliance",
        "description": "Contracts, data protection, health and safety compliance and records retention.",
    },
    {
        "slug": "marketing",
        "name": "Marketing",
        "description": "Brand, catalogue and web content, campaigns and trade shows.",
    },
    {
        "slug": "customer-service",
        "name": "Customer Service",
        "description": "The contact centre in Warrington: orders by phone, delivery questions, returns and "
        "complaints, 7am to 8pm on weekdays and Saturday mornings.",
    },
]

CATEGORIES = [
    {
        "slug": "workplace",
        "name": "Workplace & devices",
        "position": 10,
        "description": "Laptops, phones, printers and the equipment in meeting rooms.",
    },
    {
        "slug": "collaboration",
        "name": "Communication & collaboration",
        "position": 20,
        "description": "Email, calendars, calls, chat, the intranet and shared files.",
    },
    {
        "slug": "finance",
        "name": "Finance & procurement",
        "position": 30,
        "description": "Paying people and suppliers, the ledger, budgets and banking.",
    },
    {
        "slug": "sales",
        "name": "Sales & customers",
        "position": 40,
        "description": "Everything that wins, serves and keeps customers.",
    },
    {
        "slug": "people",
        "name": "People & HR",
        "position": 50,
        "description": "Hiring, looking after and developing our people.",
    },
    {
        "slug": "operations",
        "name": "Operations & supply chain",
        "position": 60,
        "description": "Warehouses, stock, transport and deliveries.",
    },
    {
        "slug": "data",
        "name": "Data & reporting",
        "position": 70,
        "description": "Reports, dashboards, shared reference data and records.",
    },
    {
        "slug": "security",
        "name": "Security & access",
        "position": 80,
        "description": "Signing in, getting the right access, and staying safe online.",
    },
    {
        "slug": "infrastructure",
        "name": "Network & hosting",
        "position": 90,
        "description": "The network, the servers and the backups everything else runs on.",
    },
    {
        "slug": "support",
        "name": "IT support",
        "position": 100,
        "description": "Getting help when something is broken or you need something new.",
    },
]

ALL_UNITS = "*"  # a service used by every business unit

ADMINS, SERVICE_OWNERS, BUSINESS_USERS = roles.ADMINS, roles.SERVICE_OWNERS, roles.BUSINESS_USERS

# `units`: business unit slug -> True for a representative (signs agreements), False for a member.
# `login`: shown in the table load_demo prints, to say what to try as this person.
PEOPLE = [
    {
        "username": "admin",
        "first_name": "Accord",
        "last_name": "Administrator",
        "superuser": True,
        "title": "Superuser",
        "login": "Superuser: everything, including /admin/",
    },
    {
        "username": "priya.shah",
        "first_name": "Priya",
        "last_name": "Shah",
        "group": ADMINS,
        "staff": True,
        "title": "Service Catalogue Manager",
        "login": "Admin role: runs the catalogue and the admin",
    },
    # IT service owners
    {
        "username": "helen.carter",
        "first_name": "Helen",
        "last_name": "Carter",
        "group": SERVICE_OWNERS,
        "title": "Finance Applications Manager",
        "login": "Service owner: finance systems (ERP, expenses)",
    },
    {
        "username": "owen.davies",
        "first_name": "Owen",
        "last_name": "Davies",
        "group": SERVICE_OWNERS,
        "title": "HR & Payroll Applications Manager",
        "login": "Service owner: Payroll, HR systems",
    },
    {
        "username": "marcus.webb",
        "first_name": "Marcus",
        "last_name": "Webb",
        "group": SERVICE_OWNERS,
        "title": "Infrastructure Manager",
    },
    {
        "username": "aisha.rahman",
        "first_name": "Aisha",
        "last_name": "Rahman",
        "group": SERVICE_OWNERS,
        "title": "Workplace Services Lead",
    },
    {
        "username": "tom.fletcher",
        "first_name": "Tom",
        "last_name": "Fletcher",
        "group": SERVICE_OWNERS,
        "title": "Collaboration Services Manager",
    },
    {
        "username": "grace.oneill",
        "first_name": "Grace",
        "last_name": "O'Neill",
        "group": SERVICE_OWNERS,
        "title": "Security & Identity Lead",
    },
    {
        "username": "ravi.patel",
        "first_name": "Ravi",
        "last_name": "Patel",
        "group": SERVICE_OWNERS,
        "title": "Data & Analytics Lead",
    },
    {
        "username": "sophie.laurent",
        "first_name": "Sophie",
        "last_name": "Laurent",
        "group": SERVICE_OWNERS,
        "title": "Customer Applications Manager",
        "login": "Service owner: CRM, online shop, contact centre",
    },
    {
        "username": "marta.nowak",
        "first_name": "Marta",
        "last_name": "Nowak",
        "group": SERVICE_OWNERS,
        "title": "Operations Systems Manager",
    },
    {
        "username": "james.okafor",
        "first_name": "James",
        "last_name": "Okafor",
        "group": SERVICE_OWNERS,
        "title": "Service Desk Manager",
    },
    # The business
    {
        "username": "margaret.hughes",
        "first_name": "Margaret",
        "last_name": "Hughes",
        "group": BUSINESS_USERS,
        "title": "Finance Director",
        "units": {"finance": True},
        "login": "Representative of Finance: signs its agreements",
    },
    {
        "username": "daniel.price",
        "first_name": "Daniel",
        "last_name": "Price",
        "group": BUSINESS_USERS,
        "title": "Payroll Manager",
        "units": {"finance": False},
        "login": "Business owner of Payroll: signs all-units agreements",
    },
    {
        "username": "oliver.bennett",
        "first_name": "Oliver",
        "last_name": "Bennett",
        "group": BUSINESS_USERS,
        "title": "Sales Director",
        "units": {"sales": True},
    },
    {
        "username": "chloe.evans",
        "first_name": "Chloe",
        "last_name": "Evans",
        "group": BUSINESS_USERS,
        "title": "Sales Operations Analyst",
        "units": {"sales": False},
    },
    {
        "username": "fiona.macleod",
        "first_name": "Fiona",
        "last_name": "MacLeod",
        "group": BUSINESS_USERS,
        "title": "Operations Director",
        "units": {"operations": True},
        "login": "Representative of Operations: has agreements to sign",
    },
    {
        "username": "samuel.adeyemi",
        "first_name": "Samuel",
        "last_name": "Adeyemi",
        "group": BUSINESS_USERS,
        "title": "Warehouse Manager, Daventry",
        "units": {"operations": False},
    },
    {
        "username": "rebecca.stone",
        "first_name": "Rebecca",
        "last_name": "Stone",
        "group": BUSINESS_USERS,
        "title": "HR Director",
        "units": {"human-resources": True},
    },
    {
        "username": "nadia.kowalski",
        "first_name": "Nadia",
        "last_name": "Kowalski",
        "group": BUSINESS_USERS,
        "title": "HR Advisor",
        "units": {"human-resources": False},
    },
    {
        "username": "connor.doyle",
        "first_name": "Connor",
        "last_name": "Doyle",
        "group": BUSINESS_USERS,
        "title": "Regional Offices Manager",
        "units": {"remote-offices": True, "sales": False},
    },
    {
        "username": "mei.chen",
        "first_name": "Mei",
        "last_name": "Chen",
        "group": BUSINESS_USERS,
        "title": "Office Coordinator, Leeds",
        "units": {"remote-offices": False},
    },
    {
        "username": "victoria.ashworth",
        "first_name": "Victoria",
        "last_name": "Ashworth",
        "group": BUSINESS_USERS,
        "title": "General Counsel",
        "units": {"legal": True},
    },
    {
        "username": "ben.harper",
        "first_name": "Ben",
        "last_name": "Harper",
        "group": BUSINESS_USERS,
        "title": "Marketing Director",
        "units": {"marketing": True},
    },
    {
        "username": "zara.ahmed",
        "first_name": "Zara",
        "last_name": "Ahmed",
        "group": BUSINESS_USERS,
        "title": "Digital Marketing Lead",
        "units": {"marketing": False},
    },
    {
        "username": "lucy.martin",
        "first_name": "Lucy",
        "last_name": "Martin",
        "group": BUSINESS_USERS,
        "title": "Head of Customer Service",
        "units": {"customer-service": True},
    },
    {
        "username": "kwame.mensah",
        "first_name": "Kwame",
        "last_name": "Mensah",
        "group": BUSINESS_USERS,
        "title": "Contact Centre Team Leader",
        "units": {"customer-service": False},
        "login": "Business user: reads the catalogue and agreements",
    },
]
