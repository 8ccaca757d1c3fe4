"""The seeded occupation vocabulary: US SOC 2018 detailed occupations that employers in the
program's corridors ask for, with Spanish names. Employers in Canada map NOC codes onto these."""

OCCUPATIONS = [
    ("45-2092", "Trabajadores agrícolas de cultivos, viveros e invernaderos",
     "Farmworkers and laborers, crop, nursery, and greenhouse"),
    ("45-2093", "Trabajadores agrícolas de ganado y acuicultura",
     "Farmworkers, farm, ranch, and aquacultural animals"),
    ("45-2091", "Operadores de maquinaria agrícola", "Agricultural equipment operators"),
    ("45-2041", "Clasificadores de productos agrícolas", "Graders and sorters, agricultural products"),
    ("45-1011", "Supervisores de trabajadores agrícolas, pesqueros y forestales",
     "First-line supervisors of farming, fishing, and forestry workers"),
    ("45-2021", "Criadores de animales", "Animal breeders"),
    ("45-4011", "Trabajadores forestales y de conservación", "Forest and conservation workers"),
    ("37-3011", "Trabajadores de jardinería y mantenimiento de áreas verdes",
     "Landscaping and groundskeeping workers"),
    ("47-2061", "Peones de la construcción", "Construction laborers"),
    ("51-3022", "Cortadores de carne, aves y pescado", "Meat, poultry, and fish cutters and trimmers"),
    ("51-9111", "Operadores de máquinas de empaque y llenado", "Packaging and filling machine operators"),
    ("53-7064", "Empacadores manuales", "Packers and packagers, hand"),
    ("35-2021", "Trabajadores de preparación de alimentos", "Food preparation workers"),
    ("49-3041", "Mecánicos de maquinaria agrícola", "Farm equipment mechanics and service technicians"),
    ("53-3032", "Conductores de camiones pesados", "Heavy and tractor-trailer truck drivers"),
    ("45-2099", "Otros trabajadores agrícolas", "Agricultural workers, all other"),
]


def seed_occupations(occupation_model) -> None:
    """Create or refresh the vocabulary (idempotent). Runs after every migrate and every test flush."""
    for code, name_es, name_en in OCCUPATIONS:
        occupation_model.objects.update_or_create(code=code, defaults={"name_es": name_es, "name_en": name_en})
