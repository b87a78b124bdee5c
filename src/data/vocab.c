/* The vocabularies. Words were chosen to look like a real clinical record:
 * common conditions, generic drug names, LOINC-style lab tests, CPT-style
 * procedures. */
#include "vocab.h"

#include <string.h>

#define VOCAB(name, ...)                                                                          \
    static const char *const name[] = {__VA_ARGS__};

VOCAB(first_name, "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia",
  "Lucas", "Isabella", "Mateo", "Mia", "Levi", "Charlotte", "Asher", "Harper", "James", "Evelyn",
  "Leo", "Luna", "Ethan", "Aria", "Henry", "Layla", "Aiden", "Chloe", "Jack", "Nora", "Owen",
  "Zoe", "Samuel", "Grace", "Daniel", "Hannah", "Wei", "Priya", "Aisha", "Mohammed", "Sofia",
  "Diego", "Yuki", "Fatima", "Kwame", "Ingrid", "Tomas", "Anika", "Rahul", "Elena", "Malik")
VOCAB(last_name, "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
  "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
  "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
  "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
  "Nguyen", "Patel", "Kim", "Chen", "Singh", "Okafor", "Kowalski", "Novak", "Silva", "Haddad",
  "Yamamoto", "Larsen", "Moreau", "Rossi")
VOCAB(condition, "hypertension", "type 2 diabetes", "asthma", "chronic obstructive pulmonary disease",
  "hyperlipidemia", "hypothyroidism", "atrial fibrillation", "migraine", "major depressive disorder",
  "generalized anxiety disorder", "osteoarthritis", "rheumatoid arthritis", "chronic kidney disease",
  "heart failure", "coronary artery disease", "gastroesophageal reflux disease", "iron deficiency anemia",
  "obesity", "obstructive sleep apnea", "psoriasis", "eczema", "allergic rhinitis", "urinary tract infection",
  "community-acquired pneumonia", "acute bronchitis", "otitis media", "strep throat", "influenza",
  "COVID-19", "vitamin D deficiency", "osteoporosis", "gout", "irritable bowel syndrome",
  "celiac disease", "epilepsy", "ADHD", "autism spectrum disorder", "peanut allergy", "sinusitis",
  "low back pain", "plantar fasciitis", "carpal tunnel syndrome", "prediabetes", "gestational diabetes",
  "hypertensive heart disease", "deep vein thrombosis", "anemia of chronic disease", "hepatitis B",
  "glaucoma", "cataract")
VOCAB(symptom, "fatigue", "shortness of breath", "chest pain", "headache", "dizziness", "fever",
  "persistent cough", "nausea", "abdominal pain", "joint pain", "swelling of the ankles", "palpitations",
  "insomnia", "rash", "sore throat", "back pain", "blurred vision", "weight loss", "wheezing",
  "night sweats", "loss of appetite", "numbness in the hands", "frequent urination", "anxiety",
  "ear pain", "congestion", "muscle aches", "chills", "constipation", "heartburn")
VOCAB(medication, "lisinopril", "metformin", "atorvastatin", "levothyroxine", "amlodipine", "albuterol",
  "omeprazole", "losartan", "metoprolol", "simvastatin", "sertraline", "escitalopram", "gabapentin",
  "hydrochlorothiazide", "montelukast", "fluticasone", "prednisone", "amoxicillin", "azithromycin",
  "cephalexin", "ibuprofen", "acetaminophen", "insulin glargine", "apixaban", "warfarin",
  "furosemide", "pantoprazole", "tamsulosin", "bupropion", "cetirizine", "methylphenidate",
  "allopurinol", "vitamin D3", "ferrous sulfate", "clopidogrel", "rosuvastatin", "empagliflozin",
  "semaglutide", "budesonide", "doxycycline")
VOCAB(dose, "5 mg daily", "10 mg daily", "20 mg daily", "25 mg twice daily", "40 mg at bedtime",
  "50 mg daily", "81 mg daily", "100 mg twice daily", "250 mg three times daily",
  "500 mg twice daily", "1000 mg daily", "2 puffs as needed", "1 tablet every 6 hours as needed",
  "0.5 mg weekly", "10 units at bedtime")
VOCAB(lab_test, "complete blood count", "basic metabolic panel", "comprehensive metabolic panel",
  "lipid panel", "hemoglobin A1c", "thyroid stimulating hormone", "free T4", "vitamin D 25-hydroxy",
  "urinalysis", "urine culture", "hepatic function panel", "prothrombin time INR", "ferritin",
  "iron studies", "B12 level", "C-reactive protein", "erythrocyte sedimentation rate",
  "troponin", "BNP", "PSA", "creatinine clearance", "microalbumin", "rapid strep test",
  "influenza A/B PCR", "SARS-CoV-2 PCR", "blood glucose", "potassium", "sodium", "magnesium",
  "uric acid", "lead level", "hepatitis B surface antigen", "HIV screen", "pregnancy test",
  "allergy panel", "stool culture", "blood culture", "arterial blood gas", "D-dimer", "lipase")
VOCAB(lab_finding, "within normal limits", "mildly elevated", "markedly elevated", "slightly low",
  "critically low", "borderline high", "improved since last visit", "stable compared to prior",
  "worsened compared to prior", "negative", "positive", "inconclusive, repeat advised",
  "consistent with infection", "consistent with iron deficiency", "at target range",
  "above target range", "trace protein", "no growth after 48 hours", "reactive", "non-reactive")
VOCAB(procedure, "annual physical examination", "echocardiogram", "electrocardiogram", "spirometry",
  "colonoscopy", "upper endoscopy", "chest x-ray", "knee MRI", "CT of the abdomen", "abdominal ultrasound",
  "mammogram", "bone density scan", "skin biopsy", "wound care", "laceration repair",
  "joint injection", "physical therapy session", "cardiac stress test", "Holter monitoring",
  "sleep study", "allergy skin testing", "cataract surgery", "appendectomy",
  "cholecystectomy", "tonsillectomy", "hearing test", "vision screening", "nebulizer treatment",
  "IV fluid administration", "cast application", "suture removal", "dental cleaning",
  "lumbar puncture", "pulmonary rehabilitation", "cognitive behavioral therapy session",
  "nutrition counseling", "diabetic foot exam", "retinal exam", "prenatal ultrasound", "carotid doppler")
VOCAB(vaccine, "influenza", "COVID-19 booster", "Tdap", "MMR", "varicella", "hepatitis A", "hepatitis B",
  "HPV", "pneumococcal conjugate", "shingles (recombinant zoster)", "meningococcal ACWY",
  "polio (IPV)", "rotavirus", "DTaP", "Hib", "RSV", "typhoid", "yellow fever", "rabies pre-exposure",
  "meningococcal B")
VOCAB(screening, "colorectal cancer screening", "breast cancer screening", "cervical cancer screening",
  "lung cancer screening", "depression screening", "diabetes screening", "cholesterol screening",
  "hearing screening", "vision screening", "developmental screening", "autism screening",
  "lead screening", "blood pressure screening", "osteoporosis screening", "abdominal aortic aneurysm screening",
  "hepatitis C screening", "HIV screening", "skin cancer check", "fall risk assessment",
  "alcohol use screening")
VOCAB(specialty, "family medicine", "internal medicine", "pediatrics", "cardiology", "endocrinology",
  "pulmonology", "gastroenterology", "nephrology", "neurology", "psychiatry", "dermatology",
  "orthopedics", "rheumatology", "oncology", "obstetrics and gynecology", "ophthalmology",
  "otolaryngology", "urology", "allergy and immunology", "emergency medicine", "radiology",
  "physical medicine", "infectious disease", "geriatrics", "sports medicine")
VOCAB(body_site, "left knee", "right knee", "lower back", "left shoulder", "right shoulder", "chest",
  "abdomen", "right ankle", "left wrist", "neck", "left ear", "right ear", "throat", "left hip",
  "right hip", "forearm", "scalp", "left foot", "right hand", "upper back")
VOCAB(facility, "Riverside Medical Center", "Northgate Family Clinic", "St. Mary's Hospital",
  "Lakeside Pediatrics", "Summit Cardiology Associates", "Harbor View Urgent Care",
  "Maple Grove Health", "Cedar Valley Imaging", "Westside Laboratory Services",
  "Pinecrest Orthopedics", "Bayshore Women's Health", "Highland Behavioral Health",
  "Evergreen Dermatology", "Union Square Pharmacy", "Metro Telehealth", "Oak Park Physical Therapy",
  "Sunrise Endocrine Clinic", "Central City Emergency", "Hillcrest Eye Institute",
  "Brookside Sleep Center")
VOCAB(city, "Springfield", "Riverton", "Fairview", "Madison", "Georgetown", "Salem", "Franklin",
  "Clinton", "Greenville", "Bristol", "Oakland", "Arlington", "Ashland", "Burlington", "Dover",
  "Hudson", "Kingston", "Milton", "Newport", "Oxford")
VOCAB(word, "follow-up", "routine", "urgent", "chronic", "acute", "stable", "improving", "referral",
  "medication", "review", "adjustment", "monitoring", "education", "counseling", "telehealth",
  "inpatient", "outpatient", "preventive", "screening", "results", "imaging", "consult",
  "discharge", "summary", "prescription", "refill", "allergy", "immunization", "pediatric",
  "cardiac", "respiratory", "metabolic", "renal", "hepatic", "neurological", "behavioral",
  "dermatologic", "orthopedic", "nutrition", "wellness")
VOCAB(mime_type, "application/pdf", "image/jpeg", "image/png", "image/heic", "application/dicom",
  "text/plain", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
VOCAB(file_ext, "pdf", "jpg", "png", "heic", "dcm", "txt", "docx")
VOCAB(user_agent, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 Safari/17.2",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Mobile/15E148",
  "EHRConnect/4.2 (integration)", "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0")

#undef V

static const struct vocab {
    const char *name;
    const char *const *words;
    size_t n;
} k_vocabs[] = {
#define VOCAB_ENTRY(x) {#x, x, sizeof x / sizeof x[0]}
    VOCAB_ENTRY(first_name), VOCAB_ENTRY(last_name), VOCAB_ENTRY(condition), VOCAB_ENTRY(symptom),   VOCAB_ENTRY(medication), VOCAB_ENTRY(dose),
    VOCAB_ENTRY(lab_test),   VOCAB_ENTRY(lab_finding), VOCAB_ENTRY(procedure), VOCAB_ENTRY(vaccine), VOCAB_ENTRY(screening),  VOCAB_ENTRY(specialty),
    VOCAB_ENTRY(body_site),  VOCAB_ENTRY(facility),  VOCAB_ENTRY(city),      VOCAB_ENTRY(word),      VOCAB_ENTRY(mime_type),  VOCAB_ENTRY(file_ext),
    VOCAB_ENTRY(user_agent),
#undef E
};
#define N_VOCABS (sizeof k_vocabs / sizeof k_vocabs[0])

int pf_vocab_find(const char *name)
{
    for (size_t i = 0; i < N_VOCABS; i++)
        if (strcmp(k_vocabs[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t pf_vocab_size(int vocab)
{
    return (vocab >= 0 && (size_t)vocab < N_VOCABS) ? k_vocabs[vocab].n : 0;
}

const char *pf_vocab_word(int vocab, uint64_t i)
{
    if (vocab < 0 || (size_t)vocab >= N_VOCABS)
        return "";
    return k_vocabs[vocab].words[i % k_vocabs[vocab].n];
}

const char *pf_vocab_names(void)
{
    static char names[512];
    if (names[0] == '\0') {
        size_t off = 0;
        for (size_t i = 0; i < N_VOCABS; i++) {
            size_t len = strlen(k_vocabs[i].name);
            if (off + len + 3 >= sizeof names)
                break;
            if (i > 0) {
                memcpy(names + off, ", ", 2);
                off += 2;
            }
            memcpy(names + off, k_vocabs[i].name, len);
            off += len;
        }
        names[off] = '\0';
    }
    return names;
}
